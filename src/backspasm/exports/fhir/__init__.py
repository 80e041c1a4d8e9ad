"""FHIR R4 (4.0.1) export: one episode as a ``collection`` Bundle.

Resources: the Patient (name and birth date when given, always a pseudonymous identifier),
the triage Questionnaire (linkIds are the answer field names), a CodeSystem for each of our
own code systems used (``codes.CANONICAL``), the QuestionnaireResponse of the latest
answers, which links to the RiskAssessment (the triage result with its fired rules and
sources), a RiskAssessment per warning the diary raised later, one Observation per pain
entry (LOINC 72514-3), one MedicationStatement per logged medicine, one Procedure per
logged ice, heat, contrast or stretch session, and the CarePlan of planned sessions. Plain
dicts in FHIR JSON form; entries have ``urn:uuid:`` full URLs, stable for the same input,
and every reference points at an entry of the Bundle.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from backspasm.exports.data import EpisodeRecord, export_error
from backspasm.exports.fhir.careplan import careplan, session_status
from backspasm.exports.fhir.codes import (
    CANONICAL,
    LOINC_PAIN,
    QUESTIONNAIRE_URL,
    code_systems,
)
from backspasm.exports.fhir.questionnaire import questionnaire, questionnaire_response
from backspasm.exports.fhir.resources import (
    PROCEDURE_KINDS,
    medication_statement,
    pain_observation,
    patient,
    procedure,
    risk_assessment,
    warning_assessment,
)
from backspasm.knowledge import Knowledge

__all__ = ["build_bundle", "bundle_json", "questionnaire", "session_status", "references",
           "LOINC_PAIN", "QUESTIONNAIRE_URL", "CANONICAL"]

_NS = uuid.UUID("6f6c9a57-3d1e-4b8e-9c55-8a3b0e1f2d10")  # backspasm's own UUID namespace


def _urn(*parts: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(_NS, "/".join(parts)))


def references(node: Any) -> Iterator[str]:
    """Every ``reference`` value anywhere in a resource (or Bundle)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def _systems(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "system" and isinstance(value, str):
                yield value
            else:
                yield from _systems(value)
    elif isinstance(node, list):
        for item in node:
            yield from _systems(item)


def build_bundle(
    episode: EpisodeRecord, *, kb: Knowledge, now: datetime, patient_key: str
) -> dict[str, Any]:
    """The episode as a FHIR R4 ``collection`` Bundle (a JSON-ready dict).

    ``patient_key`` seeds the pseudonym (the profile's random pseudonym, never its id).
    The name and birth date are written only when the record has them.
    """
    if now.tzinfo is None:
        raise export_error("now", "offset", kb)
    tz = episode.tz
    key = (patient_key, episode.id)
    patient_url = _urn("patient", patient_key)
    entries: list[dict[str, Any]] = []

    def add(full_url: str, resource: dict[str, Any]) -> None:
        resource = {"resourceType": resource["resourceType"],
                    "id": full_url.removeprefix("urn:uuid:"),
                    **{k: v for k, v in resource.items() if k != "resourceType"}}
        entries.append({"fullUrl": full_url, "resource": resource})

    subject = {"reference": patient_url}
    add(patient_url, patient(episode, patient_url))
    q = questionnaire(kb)
    add(_urn("questionnaire", QUESTIONNAIRE_URL, kb.version), q)
    qr_url: str | None = None
    for check in episode.earlier:  # each earlier check of the episode, as the latest
        at = check.at.isoformat()
        e_qr, e_ra = _urn("qr", *key, at), _urn("risk", *key, at)
        add(e_qr, questionnaire_response(kb, q, check, tz=tz, subject=subject,
                                         result_ref=e_ra))
        add(e_ra, risk_assessment(kb, check, tz=tz, subject=subject, basis_ref=e_qr))
    if episode.triage is not None:
        at = episode.triage.at.isoformat()
        qr_url, ra_url = _urn("qr", *key, at), _urn("risk", *key, at)
        add(qr_url, questionnaire_response(kb, q, episode.triage, tz=tz, subject=subject,
                                           result_ref=ra_url))
        add(ra_url, risk_assessment(kb, episode.triage, tz=tz, subject=subject,
                                    basis_ref=qr_url))
    pain_at: dict[tuple[datetime, int], str] = {}
    for i, p in enumerate(episode.pain):
        url = _urn("pain", *key, p.at.isoformat(), str(i))
        pain_at.setdefault((p.at, p.score), url)
        add(url, pain_observation(kb, p, tz=tz, subject=subject))
    for w in episode.warnings:
        basis = [u for u in (pain_at.get((w.at, w.pain)), qr_url) if u is not None]
        add(_urn("warning", *key, w.at.isoformat(), w.level),
            warning_assessment(kb, w, tz=tz, subject=subject, basis=basis))
    for i, m in enumerate(episode.medicines):
        add(_urn("medicine", *key, m.at.isoformat(), str(i)),
            medication_statement(kb, m, tz=tz, subject=subject))
    for i, c in enumerate(episode.care):
        if c.kind in PROCEDURE_KINDS:
            add(_urn("care", *key, c.kind, c.start.isoformat(), str(i)),
                procedure(kb, c, tz=tz, subject=subject))
    add(_urn("careplan", *key), careplan(episode, kb=kb, now=now, subject=subject))
    # Our code systems follow the Questionnaire (definitions first, then what happened).
    used = {s for e in entries for s in _systems(e["resource"]) if s.startswith(CANONICAL)}
    records, entries[2:] = entries[2:], []
    for cs in code_systems(kb, used):
        add(_urn("codesystem", cs["url"], kb.version), cs)
    entries.extend(records)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NS, f"bundle/{patient_key}/{episode.id}/{now.isoformat()}")),
        "meta": {"lastUpdated": _dt_utc(now)},
        "type": "collection",
        "timestamp": _dt_utc(now),
        "entry": entries,
    }


def _dt_utc(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def bundle_json(bundle: Mapping[str, Any]) -> bytes:
    """The bundle as FHIR JSON bytes (UTF-8, stable key order as built)."""
    return (json.dumps(bundle, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
