"""FHIR R4 (4.0.1) export: one episode as a ``collection`` Bundle.

Resources: a pseudonymous Patient, the triage Questionnaire (linkIds are the answer field
names), a QuestionnaireResponse for the latest answers, one Observation per pain entry
(LOINC 72514-3) and a CarePlan whose activities are the planned sessions. Plain dicts in
FHIR JSON form; references are ``urn:uuid:`` full URLs, stable for the same input.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from backspasm.exports.data import CareDone, EpisodeRecord, SessionLike, export_error
from backspasm.knowledge import Knowledge, load_knowledge

__all__ = ["build_bundle", "questionnaire", "session_status", "LOINC_PAIN"]

LOINC_PAIN = {
    "system": "http://loinc.org",
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
_NS = uuid.UUID("6f6c9a57-3d1e-4b8e-9c55-8a3b0e1f2d10")  # backspasm's own UUID namespace
QUESTIONNAIRE_URL = "urn:uuid:" + str(uuid.uuid5(_NS, "questionnaire/triage"))
_KIND_SYSTEM = "urn:uuid:" + str(uuid.uuid5(_NS, "codesystem/session-kind"))
_DONE_WINDOW = timedelta(minutes=90)


def _urn(*parts: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(_NS, "/".join(parts)))


def _dt(value: datetime) -> str:
    if value.tzinfo is None:
        raise export_error("date-time", "offset")
    return value.replace(microsecond=0).isoformat()


def _answer_schema(kb: Knowledge) -> dict[str, Any]:
    def build(kb: Knowledge) -> dict[str, Any]:
        return json.loads((kb.directory / "answers.schema.json").read_text("utf-8"))["properties"]

    return kb.compile("exports.answer_schema", build)


def _question_texts(kb: Knowledge) -> dict[str, str]:
    """Field → the words of our question (questions.yaml; report labels where it has none)."""
    texts: dict[str, str] = {}
    report = kb.data["exports"]["report"]
    for sign in [*report["warning_signs"], *report["leg_fields"]]:
        texts[sign["field"]] = sign["label"]
    questions = kb.data.get("questions")
    if isinstance(questions, Mapping):
        for q in questions.get("questions", []):
            if isinstance(q, Mapping) and isinstance(q.get("text"), str):
                texts[str(q.get("id"))] = q["text"]
    return texts


def _choice_labels(kb: Knowledge) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    questions = kb.data.get("questions")
    if isinstance(questions, Mapping):
        for q in questions.get("questions", []):
            if isinstance(q, Mapping) and isinstance(q.get("options"), list):
                out[str(q.get("id"))] = {
                    str(o.get("value")): str(o.get("label"))
                    for o in q["options"]
                    if isinstance(o, Mapping) and "value" in o and "label" in o
                }
    return out


def _item_type(prop: Mapping[str, Any]) -> str:
    if "enum" in prop:
        return "choice"
    if prop.get("format") == "date-time":
        return "dateTime"
    return {"boolean": "boolean", "integer": "integer"}.get(prop.get("type", ""), "string")


def questionnaire(kb: Knowledge) -> dict[str, Any]:
    """The triage questions as a FHIR Questionnaire (one item per answer field)."""
    texts = _question_texts(kb)
    choices = _choice_labels(kb)
    items = []
    for name, prop in _answer_schema(kb).items():
        item: dict[str, Any] = {"linkId": name, "type": _item_type(prop)}
        if name in texts:
            item["text"] = texts[name]
        if "enum" in prop:
            labels = choices.get(name, {})
            item["answerOption"] = [
                {
                    "valueCoding": {
                        "system": f"{QUESTIONNAIRE_URL}#{name}",
                        "code": v,
                        **({"display": labels[v]} if v in labels else {}),
                    }
                }
                for v in prop["enum"]
            ]
        items.append(item)
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_URL.removeprefix("urn:uuid:"),
        "url": QUESTIONNAIRE_URL,
        "version": kb.version,
        "name": "BackspasmTriage",
        "title": kb.data["exports"]["fhir"]["questionnaire_title"],
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }


def _answer_value(item_type: str, value: Any) -> dict[str, Any]:
    if item_type == "boolean":
        return {"valueBoolean": bool(value)}
    if item_type == "integer":
        return {"valueInteger": int(value)}
    if item_type == "dateTime":
        return {"valueDateTime": _dt(value) if isinstance(value, datetime) else str(value)}
    if item_type == "choice":
        return {"valueCoding": {"system": "", "code": str(value)}}
    return {"valueString": str(value)}


def session_status(session: SessionLike, care: Sequence[CareDone], now: datetime,
                   kb: Knowledge | None = None) -> str:
    """FHIR activity status: completed if the diary has it (its care kind, plan.yaml), else
    by time."""
    vocabulary = (kb or load_knowledge()).vocabulary
    done_as = {session.kind, vocabulary.care_kind_of.get(session.kind)}
    for c in care:
        if c.kind in done_as and abs(c.start - session.start) <= _DONE_WINDOW:
            return "completed"
    if now < session.start:
        return "scheduled"
    if now < session.end:
        return "in-progress"
    return "not-started"


def build_bundle(
    episode: EpisodeRecord, *, kb: Knowledge, now: datetime, patient_key: str
) -> dict[str, Any]:
    """The episode as a FHIR R4 ``collection`` Bundle (a JSON-ready dict).

    ``patient_key`` is a pseudonym seed (e.g. the profile id); no name, no birth date,
    nothing that identifies the person is written.
    """
    if now.tzinfo is None:
        raise export_error("now", "offset", kb)
    tz = episode.tz
    texts = kb.data["exports"]
    patient_url = _urn("patient", patient_key)
    entries: list[dict[str, Any]] = []

    def add(full_url: str, resource: dict[str, Any]) -> None:
        resource["id"] = full_url.removeprefix("urn:uuid:")
        entries.append({"fullUrl": full_url, "resource": resource})

    subject = {"reference": patient_url}
    add(
        patient_url,
        {
            "resourceType": "Patient",
            "identifier": [{"system": "urn:ietf:rfc:3986", "value": patient_url}],
        },
    )
    q = questionnaire(kb)
    entries.append({"fullUrl": QUESTIONNAIRE_URL, "resource": q})
    if episode.triage is not None:
        types = {i["linkId"]: i["type"] for i in q["item"]}
        items = []
        for name, value in episode.triage.answers.items():
            if name not in types or value is None:
                continue
            answer = _answer_value(types[name], value)
            if "valueCoding" in answer:
                answer["valueCoding"]["system"] = f"{QUESTIONNAIRE_URL}#{name}"
            items.append({"linkId": name, "answer": [answer]})
        # "Not sure" counted as yes (H6, H23): the value that counted, and the item text reads
        # the answer back as what it was (the knowledge's words, as on the result page).
        from backspasm.core.triage import unsure_reading

        for name in episode.triage.unsure:
            if types.get(name) != "boolean" or episode.triage.answers.get(name) is not None:
                continue
            items.append({
                "linkId": name,
                "text": unsure_reading(kb, name),
                "answer": [{"valueBoolean": True}],
            })
        add(
            _urn("qr", patient_key, episode.id, episode.triage.at.isoformat()),
            {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": f"{QUESTIONNAIRE_URL}|{kb.version}",
                "status": "completed",
                "subject": subject,
                "authored": _dt(episode.triage.at.astimezone(tz)),
                "item": items,
            },
        )
    for p in episode.pain:
        if not 0 <= p.score <= 10:
            raise export_error("pain", "pain_score", kb, got=repr(p.score))
        add(
            _urn("pain", patient_key, episode.id, p.at.isoformat()),
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                "code": "survey",
                                "display": "Survey",
                            }
                        ]
                    }
                ],
                "code": {"coding": [dict(LOINC_PAIN)], "text": texts["fhir"]["pain_text"]},
                "subject": subject,
                "effectiveDateTime": _dt(p.at.astimezone(tz)),
                "valueInteger": p.score,
            },
        )
    sessions = sorted(episode.sessions, key=lambda s: s.start)
    ended = episode.ended
    if ended is not None:  # H22: an ended episode plans nothing after its end
        sessions = [s for s in sessions if s.start < ended]
    from backspasm.exports.ics import session_texts

    cal = session_texts(kb)
    activities = []
    for s in sessions:
        status = session_status(s, episode.care, now if ended is None else max(now, ended), kb)
        if ended is not None and status in ("scheduled", "in-progress"):
            status = "stopped"  # the episode ended during this session
        detail: dict[str, Any] = {
            "code": {
                "coding": [{"system": _KIND_SYSTEM, "code": s.kind}],
                "text": cal[s.kind]["title"] if s.kind in cal else s.kind,
            },
            "status": status,
            "scheduledPeriod": {
                "start": _dt(s.start.astimezone(tz)),
                "end": _dt(s.end.astimezone(tz)),
            },
        }
        if s.kind in cal:
            detail["description"] = cal[s.kind]["start_text"]
        activities.append({"detail": detail})
    fhir_text = texts["fhir"]
    period: dict[str, str] = {"start": _dt(episode.onset.astimezone(tz))}
    if episode.ended is not None:
        period["end"] = _dt(episode.ended.astimezone(tz))
    elif sessions:
        period["end"] = _dt(sessions[-1].end.astimezone(tz))
    careplan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": "completed" if episode.ended is not None else "active",
        "intent": "plan",
        "title": fhir_text["careplan_title"],
        "description": " ".join(fhir_text["careplan_description"].split()),
        "subject": subject,
        "period": period,
        "created": _dt(now.astimezone(tz)),
        "note": [
            {
                "text": "Sources: "
                + ", ".join(kb.sources[s]["title"] for s in fhir_text["careplan_sources"])
            }
        ],
    }
    if activities:
        careplan["activity"] = activities
    add(_urn("careplan", patient_key, episode.id), careplan)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NS, f"bundle/{patient_key}/{episode.id}/{now.isoformat()}")),
        "meta": {"lastUpdated": _dt(now.astimezone(UTC))},
        "type": "collection",
        "timestamp": _dt(now.astimezone(UTC)),
        "entry": entries,
    }


def bundle_json(bundle: Mapping[str, Any]) -> bytes:
    """The bundle as FHIR JSON bytes (UTF-8, stable key order as built)."""
    return (json.dumps(bundle, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
