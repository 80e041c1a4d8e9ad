"""The person's resources: Patient, pain Observations, MedicationStatements, Procedures
(care done) and the triage result as a RiskAssessment. Each returns a resource without
``id``; the Bundle gives it one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from backspasm.exports.data import (
    CareDone,
    EpisodeRecord,
    LaterWarning,
    MedicineDose,
    PainPoint,
    TriageSnapshot,
    export_error,
)
from backspasm.exports.fhir.codes import (
    CARE_KIND_SYSTEM,
    LEVEL_SYSTEM,
    LOINC_PAIN,
    RULE_SYSTEM,
    fhir_datetime,
    fhir_text,
    medicine_coding,
)
from backspasm.knowledge import Knowledge

__all__ = ["patient", "pain_observation", "medication_statement", "procedure",
           "risk_assessment", "warning_assessment", "PROCEDURE_KINDS"]

#: Care kinds logged as a Procedure (medicines are MedicationStatements; "other" says too
#: little to file).
PROCEDURE_KINDS = ("ice", "heat", "contrast", "stretch")

_SURVEY = {
    "coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
        "code": "survey",
        "display": "Survey",
    }]
}
_PATIENT_SPECIFIED = {
    "coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/medication-statement-category",
        "code": "patientspecified",
        "display": "Patient Specified",
    }]
}


def _note(text: str | None) -> dict[str, Any]:
    clean = fhir_text(text or "")
    return {"note": [{"text": clean}]} if clean else {}


def patient(episode: EpisodeRecord, pseudonym_url: str) -> dict[str, Any]:
    """Name and birth date when the profile gives them; always the pseudonymous identifier
    (random per profile, never reused, so two exports of one person match)."""
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": pseudonym_url}],
    }
    name = " ".join((episode.name or "").split())
    if name:
        res["name"] = [{"text": name}]
    if episode.birth_date is not None:
        res["birthDate"] = episode.birth_date.isoformat()
    return res


def pain_observation(kb: Knowledge, p: PainPoint, *, tz: ZoneInfo,
                     subject: dict[str, str]) -> dict[str, Any]:
    if not 0 <= p.score <= 10:
        raise export_error("pain", "pain_score", kb, got=repr(p.score))
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [_SURVEY],
        "code": {"coding": [dict(LOINC_PAIN)], "text": kb.data["exports"]["fhir"]["pain_text"]},
        "subject": subject,
        "effectiveDateTime": fhir_datetime(p.at.astimezone(tz)),
        "valueInteger": p.score,
        **_note(p.note),
    }


def medication_statement(kb: Knowledge, m: MedicineDose, *, tz: ZoneInfo,
                         subject: dict[str, str]) -> dict[str, Any]:
    """A medicine the person says they took: the name as typed, coded only where it maps to
    a checked code (``codes.medicine_coding``); the note (e.g. "400 mg") as typed."""
    text = fhir_text(m.name) or kb.data["exports"]["report"]["care_kinds"]["medicine"]
    concept: dict[str, Any] = {"text": text}
    coding = medicine_coding(kb, m.name)
    if coding is not None:
        concept = {"coding": [coding], "text": text}
    return {
        "resourceType": "MedicationStatement",
        "status": "completed",
        "category": _PATIENT_SPECIFIED,
        "medicationCodeableConcept": concept,
        "subject": subject,
        "effectiveDateTime": fhir_datetime(m.at.astimezone(tz)),
        "dateAsserted": fhir_datetime(m.at.astimezone(tz)),
        "informationSource": subject,
        **_note(m.note),
    }


def procedure(kb: Knowledge, c: CareDone, *, tz: ZoneInfo,
              subject: dict[str, str]) -> dict[str, Any]:
    """A care session the person logged. No SNOMED CT code: none we could check means
    "ice pack at home" (cryotherapy codes mean freezing a lesion), so our own code + text."""
    label = kb.data["exports"]["report"]["care_kinds"].get(c.kind, c.kind)
    res: dict[str, Any] = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {"coding": [{"system": CARE_KIND_SYSTEM, "code": c.kind, "display": label}],
                 "text": label},
        "subject": subject,
        "asserter": subject,
    }
    start = fhir_datetime(c.start.astimezone(tz))
    if c.end is not None and c.end > c.start:
        res["performedPeriod"] = {"start": start, "end": fhir_datetime(c.end.astimezone(tz))}
    else:
        res["performedPeriod"] = {"start": start}
    res.update(_note(c.note))
    return res


def _sources_line(kb: Knowledge, ids: Sequence[str]) -> str:
    parts = []
    for sid in ids:
        src = kb.sources.get(sid)
        if src is None:
            continue
        url = src.get("url")
        parts.append(f"{src['title']} ({url})" if url else str(src["title"]))
    return "; ".join(parts)


def _reason(r: Any) -> dict[str, Any]:
    """A fired rule as a dict: from a reason dict or a ``FiredRule``."""
    if isinstance(r, Mapping):
        return dict(r)
    return {"rule": r.rule, "text": r.text, "sources": tuple(r.sources)}


def _assessment(kb: Knowledge, *, level: str, reasons: Sequence[Any], at: str, version: str,
                what: str, subject: dict[str, str], basis: Sequence[str]) -> dict[str, Any]:
    words = kb.data["exports"]["fhir"]
    level_label = kb.data["exports"]["report"]["levels"].get(level, level)
    fired = [_reason(r) for r in reasons]
    titles = {str(r["id"]): str(r["title"]) for r in kb.data["rules"]["rules"]}
    res: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "status": "final",
        "method": {"text": f"{words['risk_method']} {version}"},
        "code": {"text": what},
        "subject": subject,
        "occurrenceDateTime": at,
        "basis": [{"reference": ref} for ref in basis],
        "prediction": [{
            "outcome": {
                "coding": [{"system": LEVEL_SYSTEM, "code": level, "display": level_label}],
                "text": level_label,
            },
        }],
    }
    if fired:
        # A rule this knowledge no longer has (an older saved result) keeps its words and
        # its id in the note, but no code: our code system lists today's rules only.
        res["reasonCode"] = [
            {**({"coding": [{"system": RULE_SYSTEM, "code": str(r["rule"]),
                             "display": titles[str(r["rule"])]}]}
                if str(r["rule"]) in titles else {}),
             "text": str(r["text"])}
            for r in fired
        ]
        res["note"] = [
            {"text": f"{r['rule']}: {r['text']} {words['sources_label']}: "
                     f"{_sources_line(kb, list(r.get('sources', ())))}."}
            for r in fired
        ]
    return res


def risk_assessment(kb: Knowledge, triage: TriageSnapshot, *, tz: ZoneInfo,
                    subject: dict[str, str], basis_ref: str) -> dict[str, Any]:
    """The triage result: the level as the predicted outcome, each fired rule as a reason
    (code + words) and a note with its sources, and the knowledge version that judged it."""
    return _assessment(
        kb, level=triage.level, reasons=list(triage.reasons),
        at=fhir_datetime(triage.at.astimezone(tz)),
        version=triage.knowledge_version or kb.version,
        what=kb.data["exports"]["fhir"]["risk_text"], subject=subject, basis=[basis_ref])


def warning_assessment(kb: Knowledge, warning: LaterWarning, *, tz: ZoneInfo,
                       subject: dict[str, str], basis: Sequence[str]) -> dict[str, Any]:
    """A warning the diary raised after the triage (``status`` at a pain entry), as
    judged by this knowledge: the new level and the rules that raised it; ``basis``: the
    pain Observation it was raised at, and the triage it went beyond."""
    return _assessment(
        kb, level=warning.level, reasons=list(warning.rules),
        at=fhir_datetime(warning.at.astimezone(tz)), version=kb.version,
        what=kb.data["exports"]["fhir"]["warning_text"], subject=subject, basis=basis)
