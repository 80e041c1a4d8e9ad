"""The shapes of the knowledge files, as the type checker sees them.

The loader validates each file against its spec (``specs_*.py``) and only then treats it
as one of these: ``Knowledge`` casts once, at that boundary, so the code that reads a rule
or a step is checked against the fields the schema guarantees. Records that doors pass on
as they are (steps, cards, session kinds) stay dictionaries; the core's own views are
frozen dataclasses (:mod:`backspasm.knowledge.views`).
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

__all__ = [
    "CareCard",
    "CareCardsFile",
    "Condition",
    "Evidence",
    "Phase",
    "PlanFile",
    "Question",
    "QuestionsFile",
    "RegionRecord",
    "RegionsFile",
    "Rule",
    "Route",
    "RulesFile",
    "SessionKindRecord",
    "Setting",
    "Step",
    "Threshold",
    "ThresholdsFile",
    "Timing",
    "ZoneRule",
]

#: A condition tree in the rules' language (``all``/``any``/``not`` over leaf operators);
#: its structure is checked by ``conditions.condition_problems``, not by a static type.
Condition = dict[str, Any]


class Setting(TypedDict):
    value: int | float | str
    origin: str
    sources: list[str]
    note: NotRequired[str]


class Timing(TypedDict):
    """A session kind's timing value: a number above 0 (specs_plan.check_plan)."""

    value: int | float
    origin: str
    sources: list[str]
    note: NotRequired[str]


class Evidence(TypedDict):
    text: str
    sources: list[str]


class Step(TypedDict):
    id: str
    title: str
    phases: list[str]
    timing: str
    text: str
    sources: list[str]
    evidence: NotRequired[list[Evidence]]
    requires_easing: NotRequired[bool]
    avoid_if: NotRequired[Condition]
    only_if: NotRequired[Condition]
    notes: NotRequired[str]


class SessionKindRecord(TypedDict):
    kind: str
    title: str
    phase: str
    timing: dict[str, Timing]
    start_text: str
    end_text: str
    sources: list[str]
    care_kind: NotRequired[str]
    timer: NotRequired[str]
    hot_text: NotRequired[str]
    cold_text: NotRequired[str]


class Phase(TypedDict):
    id: str
    title: str
    summary: str
    sources: list[str]


class PlanFile(TypedDict):
    settings: dict[str, Setting]
    phases: list[Phase]
    care_kinds: list[str]
    session_kinds: list[SessionKindRecord]
    steps: list[Step]
    region_words: dict[str, dict[str, str]]
    region_words_sources: list[str]


class Threshold(TypedDict):
    id: str
    value: int | float
    unit: str
    note: str
    sources: list[str]


class ThresholdsFile(TypedDict):
    thresholds: list[Threshold]


class RegionRecord(TypedDict):
    id: str
    name: str
    emergency_number: str
    emergency_department: str
    urgent_help: str
    sources: list[str]
    urgent_number: NotRequired[str]
    urgent_url: NotRequired[str]


class ZoneRule(TypedDict):
    region: str
    zone: NotRequired[str]
    zone_prefix: NotRequired[str]


class RegionsFile(TypedDict):
    default: str
    regions: list[RegionRecord]
    from_time_zone: NotRequired[list[ZoneRule]]


class Rule(TypedDict):
    id: str
    title: str
    level: str
    when: Condition
    text: str
    sources: list[str]
    note: NotRequired[str]
    sign: NotRequired[str]


class RulesFile(TypedDict):
    rules: list[Rule]


class CareCard(TypedDict):
    id: str
    emergency: bool
    label: str
    heading: str
    summary: str
    do_now: list[str]
    sources: list[str]


class CareCardsFile(TypedDict):
    levels: list[CareCard]
    unsure_note: str
    unsure_reason: str


class Option(TypedDict):
    value: str
    label: str


class Unit(TypedDict):
    value: str
    label: str
    hours: int


#: One route of a question: go ``to`` a question (or an end) ``if`` the condition holds.
Route = TypedDict("Route", {"to": str, "if": NotRequired[Condition]})


class Question(TypedDict):
    id: str
    kind: str
    section: str
    text: str
    why: str
    next: str | list[Route]
    hint: NotRequired[str]
    not_sure: NotRequired[bool]
    unsure_text: NotRequired[str]
    options: NotRequired[list[Option]]
    min: NotRequired[int]
    max: NotRequired[int]
    units: NotRequired[list[Unit]]


class QuestionsFile(TypedDict):
    start: str
    choices: dict[str, str]
    questions: list[Question]
