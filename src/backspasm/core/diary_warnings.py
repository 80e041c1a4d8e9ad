"""What the app said about one episode, for the report and the FHIR export. Pure: no I/O.

- :func:`diary_warnings`: the warnings the diary raised after a triage. At each pain entry
  the diary is judged as ``backspasm status`` judges it at that moment (the latest triage
  saved by then, the diary facts then, :func:`backspasm.core.trends.reassess`); when that
  raised the level above the saved result, the moment, the level and the new reasons are
  kept. A warning that only repeats the one before (same level, same rules) is not kept
  again; once the diary no longer raises the level, the next rise is a new warning.
- :func:`not_asked`: the questions a saved triage skipped on purpose (off the route its
  answers took, or after the answers were already an emergency), so that a report can say
  "not asked" rather than "not answered".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from backspasm.core.answers import AnswersError
from backspasm.core.trends import EpisodeLike, PainLike, diary_facts, reassess, windows
from backspasm.core.triage import Reason
from backspasm.knowledge import Knowledge

__all__ = ["DiaryWarning", "SavedTriage", "diary_warnings", "not_asked"]


class SavedTriage(Protocol):
    """A saved triage (``store.TriageRecord``): when, the answers, the level and rules."""

    @property
    def at(self) -> datetime: ...
    @property
    def answers(self) -> Mapping[str, Any]: ...
    @property
    def level(self) -> str: ...
    @property
    def rules(self) -> Sequence[str]: ...
    @property
    def unsure(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class DiaryWarning:
    """The diary raised the level at ``at`` (a pain entry): from ``previous_level`` (the
    saved triage then, or self-care without one) to ``level``, for ``reasons`` (the rules
    that fired then and not in the saved triage). ``pain`` is the score written then."""

    at: datetime
    level: str
    previous_level: str
    reasons: tuple[Reason, ...]
    pain: int

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "level": self.level,
                "previous_level": self.previous_level, "pain": self.pain,
                "reasons": [r.to_dict() for r in self.reasons]}


def diary_warnings(
    kb: Knowledge,
    *,
    episodes: Iterable[EpisodeLike],
    pain: Iterable[PainLike],
    triages: Iterable[SavedTriage],
    since: datetime,
    until: datetime | None = None,
    region: str | None = None,
) -> tuple[DiaryWarning, ...]:
    """The warnings ``status`` gave at each pain entry from ``since`` to ``until``
    (inclusive; ``None``: no end), oldest first. ``episodes``, ``pain`` and ``triages`` are
    the whole diary (older entries count: the trend window and episodes in the last three
    months reach back before ``since``)."""
    eps = list(episodes)
    entries = sorted(pain, key=lambda p: p.at)
    saved_all = sorted(triages, key=lambda t: t.at)
    reach = windows(kb).pain_since
    out: list[DiaryWarning] = []
    last: tuple[str, tuple[str, ...]] | None = None
    for entry in entries:
        now = entry.at
        if now < since or (until is not None and now > until):
            continue
        saved = next((t for t in reversed(saved_all) if t.at <= now), None)
        facts = diary_facts(kb, episodes=eps,
                            pain=[p for p in entries if now - reach <= p.at <= now], now=now)
        try:
            r = reassess(kb, facts=facts, saved_answers=saved.answers if saved else None,
                         saved_level=saved.level if saved else None,
                         saved_rules=tuple(saved.rules) if saved else (), region=region,
                         saved_unsure=tuple(saved.unsure) if saved else ())
        except AnswersError:  # answers saved under an older contract: the diary alone
            r = reassess(kb, facts=facts, region=region)
        if not r.rose:
            last = None
            continue
        key = (r.result.level, tuple(x.rule for x in r.new_reasons))
        if key != last:
            out.append(DiaryWarning(now, r.result.level, r.previous_level, r.new_reasons,
                                    entry.score))
        last = key
    return tuple(out)


def not_asked(
    kb: Knowledge,
    answers: Mapping[str, Any],
    *,
    at: datetime,
    unsure: Iterable[str] = (),
) -> tuple[str, ...]:
    """The question ids a finished triage skipped on purpose: not answered, and not on the
    route of its answers (or left after an emergency stopped the questions). For a triage
    that stopped at a question still to answer, none: what is missing was not answered."""
    from backspasm.core.flow import Question, journey_state, questions

    unsure_set = frozenset(unsure)
    try:
        state = journey_state(answers, kb, now=at, unsure=unsure_set)
    except AnswersError:
        return ()
    if isinstance(state.step, Question):
        return ()
    return tuple(q.id for q in questions(kb)
                 if q.id not in answers and q.id not in unsure_set)
