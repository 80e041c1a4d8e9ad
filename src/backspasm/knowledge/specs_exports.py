"""Spec for exports.yaml: calendar event text, the doctor's report and FHIR labels."""

from __future__ import annotations

import json
from typing import Any

from backspasm.knowledge.schema import Any_, ListOf, MapOf, NonEmptyStr, Obj, Str

_SOURCES = ListOf(NonEmptyStr(), min_items=1)
LEVELS = ("emergency_ambulance", "emergency", "consultation_24", "consultation", "self_care")

_SIGN = Obj(required={"field": NonEmptyStr(), "label": NonEmptyStr(), "sources": _SOURCES})

FILES = {
    "exports": Obj(
        required={
            "calendar": Obj(
                required={
                    "name": NonEmptyStr(),
                    "feed_note": NonEmptyStr(),
                    "end_alarm_kinds": ListOf(NonEmptyStr()),
                }
            ),
            "report": Obj(
                required={
                    "title": NonEmptyStr(),
                    "intro": NonEmptyStr(),
                    "warning_signs": ListOf(_SIGN, min_items=1),
                    "leg_fields": ListOf(_SIGN),
                    "triggers": MapOf(NonEmptyStr()),
                    "care_kinds": MapOf(NonEmptyStr()),
                    "levels": Obj(required={lv: NonEmptyStr() for lv in LEVELS}),
                    "questions_to_ask": ListOf(
                        Obj(
                            required={
                                "id": NonEmptyStr(),
                                "text": NonEmptyStr(),
                                "sources": _SOURCES,
                            },
                            optional={"avoid_if": Any_, "only_if": Any_},
                        ),
                        min_items=1,
                    ),
                }
            ),
            "fhir": Obj(
                required={
                    "careplan_title": NonEmptyStr(),
                    "careplan_description": NonEmptyStr(),
                    "careplan_sources": _SOURCES,
                    "questionnaire_title": NonEmptyStr(),
                },
                optional={"note": Str},
            ),
        }
    ),
}


def _answer_fields(kb: Any) -> dict[str, Any]:
    path = kb.directory / "answers.schema.json"
    return json.loads(path.read_text("utf-8"))["properties"]


def check_exports(kb: Any) -> list[str]:
    """Warning signs name real answer fields of the right type; alarm kinds exist in plan.yaml."""
    problems: list[str] = []
    report = kb.data["exports"]["report"]
    props = _answer_fields(kb)
    for key, want in (("warning_signs", "boolean"), ("leg_fields", "enum")):
        seen: set[str] = set()
        for sign in report[key]:
            f = sign["field"]
            where = f"exports.yaml: report.{key} ({f!r})"
            if f in seen:
                problems.append(f"{where}: listed twice")
            seen.add(f)
            if f not in props:
                problems.append(f"{where}: not an answer field")
            elif want == "boolean" and props[f].get("type") != "boolean":
                problems.append(f"{where}: expected a yes/no answer field")
            elif want == "enum" and "none" not in props[f].get("enum", []):
                problems.append(f"{where}: expected a field with a 'none' answer")
    from backspasm.knowledge.specs_plan import fit_problems

    thresholds = {t["id"] for t in kb.data["thresholds"]["thresholds"]}
    for q in report["questions_to_ask"]:
        problems += fit_problems(q, f"exports.yaml: report.questions_to_ask (id {q['id']!r})",
                                 thresholds)
    plan = kb.data.get("plan")
    if isinstance(plan, dict):
        kinds = {k.get("kind") for k in plan.get("session_kinds", [])}
        for kind in kb.data["exports"]["calendar"]["end_alarm_kinds"]:
            if kind not in kinds:
                problems.append(
                    f"exports.yaml: calendar.end_alarm_kinds: {kind!r}"
                    " is not a session kind in plan.yaml"
                )
    return problems


CHECKS = [check_exports]
