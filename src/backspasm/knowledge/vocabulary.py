"""The app's words for things, each defined once.

Triage levels and plan phases are fixed by the engine (a level's place in :data:`LEVELS`
is its urgency), so they are named here and the schema checks the files against them.
Care kinds (the diary's words for care taken), session kinds (the plan's timed sessions)
and timer slugs come from ``plan.yaml``; :class:`Vocabulary` is their typed view, built
once per load (``Knowledge.vocabulary``), and the only mapping between the three spellings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backspasm.knowledge.records import PlanFile

__all__ = [
    "LEVELS",
    "EMERGENCY_LEVELS",
    "PHASES",
    "SESSION_KINDS",
    "Vocabulary",
    "build_vocabulary",
    "level_rank",
]

#: Triage levels, most urgent first (the spec's names).
LEVELS = ("emergency_ambulance", "emergency", "consultation_24", "consultation", "self_care")
#: The levels at which a person must get emergency help now (no self-care plan is shown).
EMERGENCY_LEVELS = frozenset({"emergency_ambulance", "emergency"})
#: Plan phases in order: before and after the acute hours (plan.yaml settings.acute_hours).
PHASES = ("acute", "recovery")
#: The plan's timed sessions, in the order they sort when they start at the same minute.
SESSION_KINDS = ("ice", "heat", "contrast_shower", "check_in")

_RANK = {level: i for i, level in enumerate(LEVELS)}


def level_rank(level: str) -> int:
    """0 for the most urgent level; a larger number is less urgent."""
    return _RANK[level]


@dataclass(frozen=True)
class Vocabulary:
    """Care kinds, session kinds and timer slugs from ``plan.yaml``, and how they relate."""

    #: The diary's care kinds, in the order forms offer them.
    care_kinds: tuple[str, ...]
    #: Session kinds, in :data:`SESSION_KINDS` order.
    session_kinds: tuple[str, ...]
    #: Session kind → the diary care kind that records it (check-ins have none).
    care_kind_of: Mapping[str, str]
    #: Session kind → the slug of the timer that runs it (check-ins have none).
    timer_of: Mapping[str, str]

    @property
    def timer_slugs(self) -> tuple[str, ...]:
        """Every timer slug (``ice``, ``heat``, ``contrast``), in session-kind order."""
        return tuple(self.timer_of.values())

    def session_of_timer(self, slug: str) -> str | None:
        """The session kind a timer runs, or ``None`` for an unknown slug."""
        return next((k for k, s in self.timer_of.items() if s == slug), None)

    def session_of_care(self, care_kind: str) -> str | None:
        """The session kind a diary care kind records, or ``None`` (stretch, medicine …)."""
        return next((k for k, c in self.care_kind_of.items() if c == care_kind), None)


def build_vocabulary(plan: PlanFile) -> Vocabulary:
    """The vocabulary of a validated ``plan.yaml``."""
    order = {k: i for i, k in enumerate(SESSION_KINDS)}
    kinds = sorted(plan["session_kinds"], key=lambda k: order[k["kind"]])
    return Vocabulary(
        care_kinds=tuple(plan["care_kinds"]),
        session_kinds=tuple(k["kind"] for k in kinds),
        care_kind_of=MappingProxyType({k["kind"]: k["care_kind"] for k in kinds
                                       if "care_kind" in k}),
        timer_of=MappingProxyType({k["kind"]: k["timer"] for k in kinds if "timer" in k}),
    )
