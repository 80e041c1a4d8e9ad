"""The care plan's configuration, read from ``plan.yaml`` once per loaded knowledge.

Pure. :func:`plan_config` turns the validated file into :class:`PlanConfig` (durations as
``timedelta``, wall times as ``time``, the steps of each phase precomputed);
:func:`session_kind`, :func:`is_easing` and :func:`region_words` answer the questions the
doors and the scheduler ask of it. :class:`PlanError` is the scheduler's one error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

from backspasm.core.times import parse_clock
from backspasm.knowledge import Knowledge
from backspasm.knowledge.vocabulary import PHASES, SESSION_KINDS

if TYPE_CHECKING:
    from backspasm.knowledge.records import SessionKindRecord, Step

__all__ = [
    "PlanConfig",
    "PlanError",
    "ShownStep",
    "is_easing",
    "plan_config",
    "region_words",
    "session_kind",
]

#: A step as the plan shows it: id, title, text, sources, timing[, evidence].
ShownStep = dict[str, Any]


class PlanError(ValueError):
    """Bad input to the scheduler. ``field`` names the input; ``str(err)`` is for the user."""

    def __init__(self, field: str, expected: str, got: object = None) -> None:
        self.field = field
        self.expected = expected
        message = f"{field}: expected {expected}"
        if got is not None:
            message += f", got {got!r}"
        super().__init__(message)


@dataclass(frozen=True)
class PlanConfig:
    """Every number the scheduler uses (plan.yaml settings and session timings)."""

    acute: timedelta
    wake: time
    sleep: time
    days: int
    days_max: int
    easing_pain_at_most: int
    easing_trend: str
    ice_len: timedelta
    ice_every: timedelta
    heat_len: timedelta
    heat_per_day: int
    heat_gap: timedelta
    contrast_len: timedelta
    contrast_per_day: int
    check_len: timedelta
    kinds: Mapping[str, SessionKindRecord]
    #: Session kind -> its planned length.
    lengths: Mapping[str, timedelta]
    #: (phase, easing) -> (step as shown, its knowledge record for avoid_if / only_if)
    steps: Mapping[tuple[str, bool], tuple[tuple[ShownStep, Step], ...]]


def _clock(value: int | float | str) -> time:
    parsed = parse_clock(str(value))
    if parsed is None:  # the loader checked HH:MM (specs_plan.check_plan)
        raise PlanError("plan.yaml settings", "HH:MM", value)
    return parsed


def _shown(st: Step) -> ShownStep:
    out: ShownStep = {
        "id": st["id"],
        "title": st["title"],
        "text": st["text"],
        "sources": list(st["sources"]),
        "timing": st["timing"],
    }
    if st.get("evidence"):
        out["evidence"] = [
            {"text": e["text"], "sources": list(e["sources"])} for e in st.get("evidence", [])
        ]
    return out


def _build(kb: Knowledge) -> PlanConfig:
    plan = kb.plan
    s = {k: v["value"] for k, v in plan["settings"].items()}
    kinds = {k["kind"]: k for k in plan["session_kinds"]}

    def t(kind: str, name: str) -> float:
        return float(kinds[kind]["timing"][name]["value"])

    steps: dict[tuple[str, bool], tuple[tuple[ShownStep, Step], ...]] = {}
    for phase in PHASES:
        for easing in (False, True):
            steps[(phase, easing)] = tuple(
                (_shown(st), st)
                for st in plan["steps"]
                if phase in st["phases"] and (easing or not st.get("requires_easing", False))
            )
    return PlanConfig(
        acute=timedelta(hours=float(s["acute_hours"])),
        wake=_clock(s["wake"]),
        sleep=_clock(s["sleep"]),
        days=int(s["horizon_days"]),
        days_max=int(s["horizon_days_max"]),
        easing_pain_at_most=int(s["easing_pain_at_most"]),
        easing_trend=str(s["easing_trend"]),
        ice_len=timedelta(minutes=t("ice", "minutes")),
        ice_every=timedelta(minutes=t("ice", "minutes") + t("ice", "gap_minutes")),
        heat_len=timedelta(minutes=t("heat", "minutes")),
        heat_per_day=int(t("heat", "per_day")),
        heat_gap=timedelta(minutes=t("heat", "min_start_gap_minutes")),
        contrast_len=timedelta(minutes=t("contrast_shower", "minutes")),
        contrast_per_day=int(t("contrast_shower", "per_day")),
        check_len=timedelta(minutes=t("check_in", "minutes")),
        kinds=kinds,
        lengths={k: timedelta(minutes=t(k, "minutes")) for k in kinds},
        steps=steps,
    )


def plan_config(kb: Knowledge) -> PlanConfig:
    """The plan's configuration for ``kb`` (built once per loaded knowledge)."""
    return kb.compile("core.plan", _build)


def session_kind(kb: Knowledge, kind: str) -> SessionKindRecord:
    """The knowledge record of a session kind (title, texts, timing, sources)."""
    kinds = plan_config(kb).kinds
    if kind not in kinds:
        raise PlanError("kind", "one of " + ", ".join(SESSION_KINDS), kind)
    return kinds[kind]


def is_easing(kb: Knowledge, pain_now: int | None, pain_trend: str | None) -> bool | None:
    """Whether the pain counts as easing (for stretching). ``None`` when nothing is known."""
    cfg = plan_config(kb)
    if pain_now is None and pain_trend is None:
        return None
    if pain_trend == cfg.easing_trend:
        return True
    return pain_now is not None and pain_now <= cfg.easing_pain_at_most


def region_words(kb: Knowledge, region: str | None) -> Mapping[str, str]:
    """The words that differ by region (plan.yaml ``region_words``) for ``region`` (a
    regions.yaml id; default: its default region)."""
    by_region = kb.plan["region_words"]
    rid = (region or kb.regions.default).upper()
    if rid not in by_region:
        raise PlanError("region", "one of " + ", ".join(sorted(by_region)), region)
    return by_region[rid]
