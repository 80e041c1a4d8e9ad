"""Specs and cross-checks for the triage knowledge: thresholds, regions, rules, questions,
care cards. Conditions are checked against the answer fields of ``answers.schema.json``,
so a misspelt field, an unknown operator or threshold fails at load time, naming the file
and the item.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from backspasm.knowledge.conditions import (
    DERIVED_FACTS,
    LEAF_OPERATORS,
    FieldInfo,
    answer_fields,
    answers_schema,
    condition_problems,
)
from backspasm.knowledge.schema import (
    Any_,
    Bool,
    Enum,
    Int,
    ListOf,
    NonEmptyStr,
    Num,
    Obj,
    OneOf,
    Str,
)
from backspasm.knowledge.vocabulary import EMERGENCY_LEVELS, LEVELS

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

__all__ = [
    "FILES",
    "CHECKS",
    "LEVELS",
    "DERIVED_FACTS",
    "LEAF_OPERATORS",
    "FieldInfo",
    "answer_fields",
    "answers_schema",
    "condition_problems",
]

PLACEHOLDERS = {"emergency_number", "emergency_department", "urgent_help", "region_name"}

_SOURCES = ListOf(NonEmptyStr(), min_items=1)
_CONDITION = Any_  # checked structurally by condition_problems (recursive)

FILES = {
    "thresholds": Obj(
        required={
            "thresholds": ListOf(
                Obj(
                    required={
                        "id": NonEmptyStr(),
                        "value": Num,
                        "unit": NonEmptyStr(),
                        "note": NonEmptyStr(),
                        "sources": _SOURCES,
                    }
                ),
                min_items=1,
            )
        }
    ),
    "regions": Obj(
        required={
            "default": NonEmptyStr(),
            "regions": ListOf(
                Obj(
                    required={
                        "id": NonEmptyStr(),
                        "name": NonEmptyStr(),
                        "emergency_number": NonEmptyStr(),
                        "emergency_department": NonEmptyStr(),
                        "urgent_help": NonEmptyStr(),
                        "sources": _SOURCES,
                    },
                    # The urgent line a person can call, and its web address, where the
                    # region has one (the urgent card's tap-to-call button and link).
                    optional={"urgent_number": NonEmptyStr(), "urgent_url": NonEmptyStr()},
                ),
                min_items=1,
            ),
        },
        optional={
            # A person whose region is not known yet: the first entry whose zone is
            # ``zone``, or starts with ``zone_prefix``, gives the region (CLINICAL.md §2).
            "from_time_zone": ListOf(
                Obj(required={"region": NonEmptyStr()},
                    optional={"zone": NonEmptyStr(), "zone_prefix": NonEmptyStr()})
            ),
        },
    ),
    "rules": Obj(
        required={
            "rules": ListOf(
                Obj(
                    required={
                        "id": NonEmptyStr(),
                        "title": NonEmptyStr(),
                        "level": Enum(*LEVELS),
                        "when": _CONDITION,
                        "text": NonEmptyStr(),
                        "sources": _SOURCES,
                    },
                    optional={"note": Str, "sign": NonEmptyStr()},
                ),
                min_items=1,
            )
        }
    ),
    "care_cards": Obj(
        required={
            "levels": ListOf(
                Obj(
                    required={
                        "id": Enum(*LEVELS),
                        "emergency": Bool,
                        "label": NonEmptyStr(),
                        "heading": NonEmptyStr(),
                        "summary": NonEmptyStr(),
                        "do_now": ListOf(NonEmptyStr(), min_items=1),
                        "sources": _SOURCES,
                    }
                ),
                min_items=len(LEVELS),
            ),
            "unsure_note": NonEmptyStr(),
            # The read-back of a "not sure" answer; {what} is the question's unsure_text.
            "unsure_reason": NonEmptyStr(),
        }
    ),
    "questions": Obj(
        required={
            "start": NonEmptyStr(),
            "choices": Obj(
                required={"yes": NonEmptyStr(), "no": NonEmptyStr(), "not_sure": NonEmptyStr()}
            ),
            "questions": ListOf(
                Obj(
                    required={
                        "id": NonEmptyStr(),
                        "kind": Enum("yes_no", "choice", "number", "hours_ago"),
                        "section": NonEmptyStr(),
                        "text": NonEmptyStr(),
                        "why": NonEmptyStr(),
                        "next": OneOf(
                            NonEmptyStr(),
                            ListOf(
                                Obj(required={"to": NonEmptyStr()}, optional={"if": Any_}),
                                min_items=1,
                            ),
                            name="route",
                        ),
                    },
                    optional={
                        "hint": NonEmptyStr(),
                        "not_sure": Bool,
                        # What was not sure, after "whether" ("you have chest pain").
                        "unsure_text": NonEmptyStr(),
                        "options": ListOf(
                            Obj(required={"value": NonEmptyStr(), "label": NonEmptyStr()}),
                            min_items=2,
                        ),
                        "min": Int,
                        "max": Int,
                        # hours_ago: the units a person may answer in (hours, days).
                        "units": ListOf(
                            Obj(required={"value": NonEmptyStr(), "label": NonEmptyStr(),
                                          "hours": Int}),
                            min_items=1,
                        ),
                    },
                ),
                min_items=1,
            ),
        }
    ),
}


def _dupes(ids: list[str], what: str) -> list[str]:
    return [f"{what}: duplicate id {d!r}" for d in sorted({i for i in ids if ids.count(i) > 1})]


#: Thresholds the engine reads by name outside the rules (diary trends in core/trends.py).
NAMED_THRESHOLDS = ("trend_window_hours", "trend_change_points", "frequent_window_days")


def check_rules(kb: Knowledge) -> list[str]:
    thresholds = {t["id"] for t in kb["thresholds"]["thresholds"]}
    problems = _dupes([t["id"] for t in kb["thresholds"]["thresholds"]], "thresholds.yaml")
    problems += [
        f"thresholds.yaml: missing threshold {name!r} (the diary trends use it)"
        for name in NAMED_THRESHOLDS
        if name not in thresholds
    ]
    rules = kb["rules"]["rules"]
    problems += _dupes([r["id"] for r in rules], "rules.yaml")
    for i, rule in enumerate(rules):
        where = f"rules.yaml: rules[{i}] (id {rule['id']!r})"
        problems += condition_problems(rule["when"], f"{where}.when", thresholds)
        emergency = rule["level"] in EMERGENCY_LEVELS
        if emergency and "sign" not in rule:
            problems.append(
                f"{where}: an {rule['level']} rule needs a 'sign' (the phrase for the list "
                "of emergency signs)"
            )
        if not emergency and "sign" in rule:
            problems.append(f"{where}.sign: only emergency rules are emergency signs")
        if emergency:
            for key in ("text", "sign"):
                if _TODAY.search(rule.get(key, "")):
                    problems.append(f"{where}.{key}: an emergency says 'now', never 'today'")
    return problems


#: Levels whose rules are emergency signs (the list shown to a person is generated from them).
_TODAY = re.compile(r"\btoday\b", re.IGNORECASE)


def check_regions_and_cards(kb: Knowledge) -> list[str]:
    regions = kb["regions"]
    ids = [r["id"] for r in regions["regions"]]
    problems = _dupes(ids, "regions.yaml")
    if regions["default"] not in ids:
        problems.append(f"regions.yaml: default: unknown region {regions['default']!r}")
    reading = kb["care_cards"]["unsure_reason"]
    if set(re.findall(r"{(\w*)}", reading)) != {"what"}:
        problems.append("care_cards.yaml: unsure_reason: expected the one placeholder {what} "
                        f"(the question's unsure_text), got {reading!r}")
    for i, entry in enumerate(regions.get("from_time_zone", [])):
        where = f"regions.yaml: from_time_zone[{i}]"
        if entry["region"] not in ids:
            problems.append(f"{where}: unknown region {entry['region']!r}")
        if ("zone" in entry) == ("zone_prefix" in entry):
            problems.append(f"{where}: expected exactly one of zone, zone_prefix")
    levels = [c["id"] for c in kb["care_cards"]["levels"]]
    if tuple(levels) != LEVELS:
        problems.append(
            f"care_cards.yaml: levels: expected {list(LEVELS)} in that order, got {levels}"
        )
    for i, card in enumerate(kb["care_cards"]["levels"]):
        for key in ("heading", "summary", "do_now", "label"):
            texts = card[key] if isinstance(card[key], list) else [card[key]]
            for text in texts:
                if card["id"] in EMERGENCY_LEVELS and _TODAY.search(text):
                    problems.append(
                        f"care_cards.yaml: levels[{i}] (id {card['id']!r}).{key}: "
                        "an emergency says 'now', never 'today'"
                    )
                for name in re.findall(r"{(\w*)}", text):
                    if name not in PLACEHOLDERS:
                        problems.append(
                            f"care_cards.yaml: levels[{i}] (id {card['id']!r}).{key}: "
                            f"unknown placeholder {{{name}}}"
                        )
    return problems


def _routes(question: dict[str, Any]) -> list[dict[str, Any]]:
    nxt = question["next"]
    return [{"to": nxt}] if isinstance(nxt, str) else nxt


def check_questions(kb: Knowledge) -> list[str]:
    thresholds = {t["id"] for t in kb["thresholds"]["thresholds"]}
    data = kb["questions"]
    questions = data["questions"]
    by_id = {q["id"]: q for q in questions}
    problems = _dupes([q["id"] for q in questions], "questions.yaml")
    fields = answer_fields()
    expected_kind = {
        "boolean": "yes_no",
        "enum": "choice",
        "integer": "number",
        "datetime": "hours_ago",
    }
    for name in fields:
        if name != "now" and name not in by_id:
            problems.append(f"questions.yaml: no question for answer field {name!r}")
    if data["start"] not in by_id:
        problems.append(f"questions.yaml: start: unknown question {data['start']!r}")
    for i, q in enumerate(questions):
        where = f"questions.yaml: questions[{i}] (id {q['id']!r})"
        info = fields.get(q["id"])
        if info is None or q["id"] == "now":
            problems.append(f"{where}: id is not an answer field")
            continue
        if q["kind"] != expected_kind[info.kind]:
            problems.append(f"{where}.kind: {q['id']!r} needs kind {expected_kind[info.kind]!r}")
        if q["kind"] == "choice":
            values = tuple(o["value"] for o in q.get("options", []))
            if sorted(values) != sorted(info.enum or ()):
                problems.append(f"{where}.options: expected the values {list(info.enum or ())}")
        elif "options" in q:
            problems.append(f"{where}.options: only a choice question has options")
        if q.get("not_sure") and q["kind"] != "yes_no":
            problems.append(f"{where}.not_sure: only a yes/no question can offer 'I'm not sure'")
        if q.get("not_sure") and "unsure_text" not in q:
            problems.append(f"{where}.unsure_text: a question that offers 'I'm not sure' needs "
                            "the words to read that answer back (\"you have chest pain\")")
        if "unsure_text" in q and not q.get("not_sure"):
            problems.append(f"{where}.unsure_text: only for a question with not_sure: true")
        if "units" in q and q["kind"] != "hours_ago":
            problems.append(f"{where}.units: only an hours_ago question has units")
        if q["kind"] == "hours_ago" and q.get("units", [{}])[0].get("hours") != 1:
            problems.append(f"{where}.units: expected the first unit to be hours (hours: 1)")
        if q["kind"] in ("number", "hours_ago") and ("min" not in q or "max" not in q):
            problems.append(f"{where}: a {q['kind']} question needs min and max")
        routes = _routes(q)
        for j, route in enumerate(routes):
            if route["to"] != "result" and route["to"] not in by_id:
                problems.append(f"{where}.next[{j}]: routes to unknown question {route['to']!r}")
            if "if" in route:
                problems += condition_problems(route["if"], f"{where}.next[{j}].if", thresholds)
        if "if" in routes[-1]:
            problems.append(
                f"{where}.next: the last route needs no 'if', or the flow can route nowhere"
            )
    if problems:
        return problems
    # Every question reachable from start, and no cycles (the flow always ends).
    seen: set[str] = set()
    stack = [data["start"]]
    while stack:
        qid = stack.pop()
        if qid == "result" or qid in seen:
            continue
        seen.add(qid)
        stack += [r["to"] for r in _routes(by_id[qid])]
    problems += [
        f"questions.yaml: question {q!r} is not reachable from start"
        for q in by_id
        if q not in seen
    ]
    state: dict[str, int] = {}

    def visit(qid: str) -> None:
        if qid == "result" or state.get(qid) == 2:
            return
        if state.get(qid) == 1:
            problems.append(f"questions.yaml: question {qid!r} is part of a loop")
            return
        state[qid] = 1
        for r in _routes(by_id[qid]):
            visit(r["to"])
        state[qid] = 2

    visit(data["start"])
    return problems


CHECKS = [check_rules, check_regions_and_cards, check_questions]
