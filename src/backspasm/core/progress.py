"""How far along the symptom check a person is: "Question 3 of 25", by section ("Warning
signs", "About you", "Your pain", questions.yaml ``sections``). Pure.

The total is the route the answers take so far (``core.flow.route``), so it can grow by a
follow-up question (weakness getting worse) or shrink (a question that cannot apply to the
age given is not asked)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from backspasm.core.flow import route

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

__all__ = ["Progress", "SectionStep", "progress"]


@dataclass(frozen=True)
class SectionStep:
    """One section of the check: ``state`` is ``done``, ``current`` or ``todo``."""

    id: str
    label: str
    state: str
    questions: int


@dataclass(frozen=True)
class Progress:
    number: int  # this question's place on the route, from 1
    total: int
    section: SectionStep
    section_number: int  # this question's place in its section, from 1
    sections: tuple[SectionStep, ...]


def progress(kb: Knowledge, answers: Mapping[str, Any], current: str, *, now: datetime,
             unsure: Iterable[str] = frozenset()) -> Progress | None:
    """Where question ``current`` stands on the route of ``answers``; ``None`` when it is
    not on that route (a stale link)."""
    on_route = route(answers, kb, now=now, unsure=unsure)
    ids = [q.id for q in on_route]
    if current not in ids:
        return None
    section_of = {q.id: q.section for q in on_route}
    here = ids.index(current)
    here_section = section_of[current]
    order = [s["id"] for s in kb.questions["sections"]]
    labels = {s["id"]: s["label"] for s in kb.questions["sections"]}
    steps: list[SectionStep] = []
    for sid in order:
        members = [i for i, qid in enumerate(ids) if section_of[qid] == sid]
        if not members:
            continue
        state = ("current" if sid == here_section
                 else "done" if members[-1] < here else "todo")
        steps.append(SectionStep(sid, labels[sid], state, len(members)))
    now_step = next(s for s in steps if s.state == "current")
    in_section = [i for i, qid in enumerate(ids) if section_of[qid] == here_section]
    return Progress(here + 1, len(ids), now_step, in_section.index(here) + 1, tuple(steps))
