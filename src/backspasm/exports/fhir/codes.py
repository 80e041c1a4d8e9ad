"""backspasm's own FHIR code systems, under one stable canonical base, and the public codes
we use (LOINC for pain, RxNorm for a few medicines whose names map one-to-one).

Our codes never use ``urn:uuid:…#field``: every system is ``{CANONICAL}/CodeSystem/<name>``
and the Bundle carries a ``CodeSystem`` resource for each one it uses (:func:`code_systems`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from backspasm.exports.data import export_error
from backspasm.knowledge import Knowledge
from backspasm.knowledge.vocabulary import LEVELS

__all__ = [
    "CANONICAL",
    "QUESTIONNAIRE_URL",
    "SESSION_KIND_SYSTEM",
    "CARE_KIND_SYSTEM",
    "LEVEL_SYSTEM",
    "RULE_SYSTEM",
    "TRIAGE_RESULT_EXTENSION",
    "LOINC_PAIN",
    "answer_system",
    "code_systems",
    "fhir_datetime",
    "fhir_text",
    "medicine_coding",
]

#: The project's canonical base for FHIR artefacts (stable; never a per-export value).
CANONICAL = "https://backspasm.org/fhir"
QUESTIONNAIRE_URL = f"{CANONICAL}/Questionnaire/triage"
SESSION_KIND_SYSTEM = f"{CANONICAL}/CodeSystem/session-kind"
CARE_KIND_SYSTEM = f"{CANONICAL}/CodeSystem/care-kind"
LEVEL_SYSTEM = f"{CANONICAL}/CodeSystem/triage-level"
RULE_SYSTEM = f"{CANONICAL}/CodeSystem/triage-rule"
#: On a QuestionnaireResponse: the RiskAssessment made from its answers.
TRIAGE_RESULT_EXTENSION = f"{CANONICAL}/StructureDefinition/triage-result"

LOINC_PAIN = {
    "system": "http://loinc.org",
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}


def answer_system(field: str) -> str:
    """The code system of one multiple-choice answer field (its values are the codes)."""
    return f"{CANONICAL}/CodeSystem/answer-{field.replace('_', '-')}"


def fhir_datetime(value: datetime) -> str:
    """An aware moment as a FHIR dateTime (seconds, with its offset)."""
    if value.tzinfo is None:
        raise export_error("date-time", "offset")
    return value.replace(microsecond=0).isoformat()


_ODD_SPACE = re.compile(r"[^\S \r\n\t]")


def fhir_text(value: str) -> str:
    """Words as typed, as a valid FHIR string: other white space (e.g. a no-break space
    pasted in) becomes a plain space, and none at either end."""
    return _ODD_SPACE.sub(" ", value).strip()


def _answer_enums(kb: Knowledge) -> dict[str, list[str]]:
    props = json.loads((kb.directory / "answers.schema.json").read_text("utf-8"))["properties"]
    return {name: list(p["enum"]) for name, p in props.items() if "enum" in p}


def _choice_labels(kb: Knowledge, field: str) -> dict[str, str]:
    for q in kb.data["questions"]["questions"]:
        if q.get("id") == field and isinstance(q.get("options"), list):
            return {str(o["value"]): str(o["label"]) for o in q["options"]
                    if "value" in o and "label" in o}
    return {}


def _concepts(kb: Knowledge) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """System URL → (title key, [(code, display)]) for every code system of ours."""
    words = kb.data["exports"]
    out: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    from backspasm.exports.ics import session_texts

    cal = session_texts(kb)
    out[SESSION_KIND_SYSTEM] = (
        "session-kind", [(k, str(cal[k]["title"])) for k in kb.vocabulary.session_kinds])
    care = words["report"]["care_kinds"]
    out[CARE_KIND_SYSTEM] = ("care-kind", [(k, str(care[k])) for k in kb.vocabulary.care_kinds])
    levels = words["report"]["levels"]
    out[LEVEL_SYSTEM] = ("triage-level", [(lv, str(levels[lv])) for lv in LEVELS])
    out[RULE_SYSTEM] = ("triage-rule", [(str(r["id"]), str(r["title"]))
                                         for r in kb.data["rules"]["rules"]])
    for field, values in _answer_enums(kb).items():
        labels = _choice_labels(kb, field)
        out[answer_system(field)] = (f"answer-{field}",
                                     [(v, labels.get(v, v)) for v in values])
    return out


def code_systems(kb: Knowledge, used: set[str]) -> list[dict[str, Any]]:
    """A ``CodeSystem`` resource (content complete) for each of our systems in ``used``."""
    titles = kb.data["exports"]["fhir"]["code_systems"]
    resources = []
    for url, (key, concepts) in _concepts(kb).items():
        if url not in used:
            continue
        name = url.rsplit("/", 1)[-1]
        title = titles.get(key) or f"{titles['answer']}: {key.removeprefix('answer-')}"
        resources.append({
            "resourceType": "CodeSystem",
            "url": url,
            "version": kb.version,
            "name": "Backspasm" + "".join(p.title() for p in re.split(r"[-_]", name)),
            "title": title,
            "status": "active",
            "publisher": "backspasm",
            "caseSensitive": True,
            "content": "complete",
            "count": len(concepts),
            "concept": [{"code": c, "display": d} for c, d in concepts],
        })
    return resources


def _normal(name: str) -> str:
    return " ".join(name.casefold().split())


_STRENGTH = re.compile(r"^(?P<name>.+?)(?:\s+\d+(?:[.,]\d+)?\s*(?:mg|g|mcg|µg|ml))?$")


def medicine_coding(kb: Knowledge, typed: str) -> dict[str, str] | None:
    """The verified public code of a medicine name as typed, or ``None`` (text only).

    Only a plain generic name (optionally with a strength, "ibuprofen 400 mg") listed in
    exports.yaml ``fhir.medicine_codes`` maps; brand names and mixtures never do, as the
    same brand can hold different ingredients.
    """
    m = _STRENGTH.match(_normal(typed))
    if m is None:
        return None
    name = m.group("name")
    for med in kb.data["exports"]["fhir"]["medicine_codes"]:
        if name in (_normal(n) for n in med["names"]):
            return {"system": str(med["system"]), "code": str(med["code"]),
                    "display": str(med["display"])}
    return None
