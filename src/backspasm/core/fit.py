"""Advice fitted to the person (pure): which steps, stretches and Learn sections they see.

Items in ``plan.yaml`` and ``education.yaml`` may carry ``avoid_if`` (left out when it
holds) and ``only_if`` (shown only when it holds): conditions in the rules' language over
the person fields (pregnant, age, osteoporosis_or_steroids), validated at load time. The
facts come from the person's latest saved triage answers; an answer of "not sure" counts
as yes (the safe side), an answer not given as no, so a person we know nothing about sees
the general advice.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from backspasm.knowledge import Knowledge
from backspasm.knowledge.specs_plan import PERSON_FIELDS

__all__ = ["PERSON_FIELDS", "fits", "learn_for", "person_facts"]

Person = Mapping[str, Any]


def person_facts(answers: Mapping[str, Any] | None, unsure: Iterable[str] = ()) -> dict[str, Any]:
    """The person fields of saved answers (contract JSON or parsed values); "not sure" is yes."""
    facts: dict[str, Any] = {}
    for name in PERSON_FIELDS:
        if answers and answers.get(name) is not None:
            facts[name] = answers[name]
    for name in unsure:
        if name in PERSON_FIELDS:
            facts[name] = True
    return facts


def _test(kb: Knowledge, cond: Mapping[str, Any]) -> Any:
    from backspasm.core.triage import compile_condition

    cache: dict[str, Any] = kb.compile("core.fit", lambda _kb: {})
    key = json.dumps(cond, sort_keys=True)
    if key not in cache:
        cache[key] = compile_condition(cond, kb.thresholds)
    return cache[key]


def fits(kb: Knowledge, item: Mapping[str, Any], person: Person | None) -> bool:
    """Whether ``item`` (a step, stretch or section) is for this person."""
    facts = person or {}
    if "avoid_if" in item and _test(kb, item["avoid_if"])(facts):
        return False
    if "only_if" in item and not _test(kb, item["only_if"])(facts):
        return False
    return True


def learn_for(kb: Knowledge, person: Person | None) -> dict[str, Any]:
    """The Learn content (``education.yaml``) with the sections and stretches for this person
    (a fresh copy)."""
    edu = copy.deepcopy(kb["education"])
    sections: list[dict[str, Any]] = []
    for sec in edu["sections"]:
        if not fits(kb, sec, person):
            continue
        if "stretches" in sec:
            sec["stretches"] = [st for st in sec["stretches"] if fits(kb, st, person)]
        sections.append(sec)
    edu["sections"] = sections
    return edu
