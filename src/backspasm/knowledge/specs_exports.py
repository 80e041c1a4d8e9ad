"""Spec for exports.yaml: calendar event text, the doctor's report and FHIR labels."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from backspasm.knowledge.schema import Any_, ListOf, MapOf, NonEmptyStr, Obj, Str, as_list, as_map
from backspasm.knowledge.vocabulary import LEVELS

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

_SOURCES = ListOf(NonEmptyStr(), min_items=1)

_SIGN = Obj(required={"field": NonEmptyStr(), "label": NonEmptyStr(), "sources": _SOURCES})

FILES = {
    "exports": Obj(
        required={
            # Why a file cannot be made now; shown after "episode:" or "plan:".
            "refusals": Obj(required={k: NonEmptyStr() for k in (
                "no_episode", "episode_ended", "emergency", "plan_over", "nothing_to_report")}),
            "errors": Obj(required={k: NonEmptyStr() for k in (
                "time_zone", "offset", "session_times", "session_kind", "pain_score")}),
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
                    "pain_text": NonEmptyStr(),
                    "code_systems": Obj(required={k: NonEmptyStr() for k in (
                        "session-kind", "care-kind", "triage-level", "triage-rule", "answer")}),
                    "risk_text": NonEmptyStr(),
                    "warning_text": NonEmptyStr(),
                    "risk_method": NonEmptyStr(),
                    "sources_label": NonEmptyStr(),
                    "medicine_codes": ListOf(Obj(required={
                        "names": ListOf(NonEmptyStr(), min_items=1),
                        "system": NonEmptyStr(),
                        "code": NonEmptyStr(),
                        "display": NonEmptyStr(),
                        "note": NonEmptyStr(),
                    })),
                },
                optional={"note": Str},
            ),
        }
    ),
}


def _answer_fields(kb: Knowledge) -> dict[str, Any]:
    path = kb.directory / "answers.schema.json"
    return json.loads(path.read_text("utf-8"))["properties"]


def names(kb: Knowledge) -> list[tuple[str, str, str, str]]:
    """One name per thing: (concept, where it is defined, its label, where it is repeated)
    for every label exports.yaml repeats. Used by the loader and by tests/test_names.py."""
    data = kb.data
    out: list[tuple[str, str, str, str]] = []
    trigger = next(q for q in data["questions"]["questions"] if q["id"] == "trigger")
    for o in trigger["options"]:
        out.append((f"trigger {o['value']}", "questions.yaml trigger options", o["label"],
                    f"report.triggers.{o['value']}"))
    kinds = {k["kind"]: k["title"] for k in data["plan"]["session_kinds"]}
    for kind, ours in kb.vocabulary.care_kind_of.items():
        out.append((f"care {ours}", f"plan.yaml session_kinds.{kind}.title", kinds[kind],
                    f"report.care_kinds.{ours}"))
    steps = {st["id"]: st["title"] for st in data["plan"]["steps"]}
    out.append(("care stretch", "plan.yaml steps.gentle-stretching.title",
                steps["gentle-stretching"], "report.care_kinds.stretch"))
    for card in data["care_cards"]["levels"]:
        out.append((f"level {card['id']}", f"care_cards.yaml levels.{card['id']}.label",
                    card["label"], f"report.levels.{card['id']}"))
    return out


def _check_names(kb: Knowledge) -> list[str]:
    report = kb.data["exports"]["report"]
    problems: list[str] = []
    for concept, where, label, copy in names(kb):
        group, key = copy.split(".")[1:]
        got = report[group].get(key)
        if got != label:
            problems.append(
                f"exports.yaml: {copy}: {got!r} is not the name of {concept} "
                f"({label!r}, defined in {where})"
            )
    return problems


def check_exports(kb: Knowledge) -> list[str]:
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
    problems += _check_names(kb)
    plan = as_map(kb.data.get("plan"))
    if plan is not None:
        kinds = {k.get("kind") for k in as_list(plan.get("session_kinds")) or []}
        for kind in kb.data["exports"]["calendar"]["end_alarm_kinds"]:
            if kind not in kinds:
                problems.append(
                    f"exports.yaml: calendar.end_alarm_kinds: {kind!r}"
                    " is not a session kind in plan.yaml"
                )
    return problems


CHECKS = [check_exports]
