"""The triage questions as a FHIR Questionnaire, and the saved answers as its response."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from backspasm.exports.data import TriageSnapshot
from backspasm.exports.fhir.codes import (
    QUESTIONNAIRE_URL,
    TRIAGE_RESULT_EXTENSION,
    answer_system,
    fhir_datetime,
)
from backspasm.knowledge import Knowledge

__all__ = ["questionnaire", "questionnaire_response"]


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
                        "system": answer_system(name),
                        "code": v,
                        **({"display": labels[v]} if v in labels else {}),
                    }
                }
                for v in prop["enum"]
            ]
        items.append(item)
    return {
        "resourceType": "Questionnaire",
        "url": QUESTIONNAIRE_URL,
        "version": kb.version,
        "name": "BackspasmTriage",
        "title": kb.data["exports"]["fhir"]["questionnaire_title"],
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }


def _answer_value(name: str, item_type: str, value: Any) -> dict[str, Any] | None:
    """The FHIR answer of ``value``, or ``None`` when it is not of the item's type (an
    answer saved under an older contract, e.g. ``"pain_now": "lots"``): left out, never
    turned into something it did not say (``bool("no")`` is true)."""
    if item_type == "boolean":
        return {"valueBoolean": value} if isinstance(value, bool) else None
    if item_type == "integer":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        ok = isinstance(value, int) and not isinstance(value, bool)
        return {"valueInteger": value} if ok else None
    if item_type == "dateTime":
        if isinstance(value, str):
            from backspasm.core.answers import parse_datetime

            value = parse_datetime(value)
        return {"valueDateTime": fhir_datetime(value)} if isinstance(value, datetime) \
            else None
    if item_type == "choice":
        return ({"valueCoding": {"system": answer_system(name), "code": value}}
                if isinstance(value, str) and value else None)
    return {"valueString": str(value)}


def questionnaire_response(
    kb: Knowledge, q: Mapping[str, Any], triage: TriageSnapshot, *, tz: Any,
    subject: dict[str, str], result_ref: str,
) -> dict[str, Any]:
    """The saved answers; its extension ``triage-result`` references the RiskAssessment
    ``result_ref`` made from them."""
    types = {i["linkId"]: i["type"] for i in q["item"]}
    items: list[dict[str, Any]] = []
    for name, value in triage.answers.items():
        answer = None if name not in types or value is None else _answer_value(
            name, types[name], value)
        if answer is not None:
            items.append({"linkId": name, "answer": [answer]})
    # "Not sure" counted as yes (H6, H23): the value that counted, and the item text reads
    # the answer back as what it was (the knowledge's words, as on the result page).
    from backspasm.core.triage import unsure_reading

    for name in triage.unsure:
        if types.get(name) != "boolean" or triage.answers.get(name) is not None:
            continue
        items.append({
            "linkId": name,
            "text": unsure_reading(kb, name),
            "answer": [{"valueBoolean": True}],
        })
    return {
        "resourceType": "QuestionnaireResponse",
        "extension": [{"url": TRIAGE_RESULT_EXTENSION,
                       "valueReference": {"reference": result_ref}}],
        "questionnaire": f"{QUESTIONNAIRE_URL}|{kb.version}",
        "status": "completed",
        "subject": subject,
        "authored": fhir_datetime(triage.at.astimezone(tz)),
        "item": items,
    }
