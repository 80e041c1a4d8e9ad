"""The care-plan scheduler (pure: no I/O, no clock reads; ``now`` is a parameter).

Given the onset of the spasm, the current moment, a time zone and waking hours, it returns
the phase (``acute`` before 72 hours, ``recovery`` after), the self-care steps for that
phase and the timed sessions (ice, heat, contrast shower, check-in) from now to the
horizon. Every number comes from ``plan.yaml`` (:mod:`backspasm.core.plan_config`); the
waking windows and DST-safe arithmetic are :mod:`backspasm.core.windows`.

Note: subtracting two aware datetimes that share a ``ZoneInfo`` gives the *wall-clock*
difference in Python; use :attr:`Session.duration` (or convert to UTC) for elapsed time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backspasm.core.plan_config import (
    PlanConfig,
    PlanError,
    ShownStep,
    is_easing,
    plan_config,
    region_words,
    session_kind,
)
from backspasm.core.times import FIRST_YEAR, LAST_YEAR
from backspasm.core.windows import Span, ceil_minute, first_free, waking_windows
from backspasm.knowledge import Knowledge
from backspasm.knowledge.vocabulary import PHASES, SESSION_KINDS

__all__ = [
    "PHASES",
    "KINDS",
    "Plan",
    "PlanError",
    "Session",
    "TimerStage",
    "is_easing",
    "make_plan",
    "phase_at",
    "session_kind",
    "steps_for_phase",
    "timer_stages",
]

KINDS = SESSION_KINDS

# Heat sessions are spread over the day in steps rounded down to this, for tidy times.
_SPREAD_STEP = timedelta(minutes=15)
_FIRST_YEAR, _LAST_YEAR = FIRST_YEAR, LAST_YEAR  # core.times: the same range everywhere


@dataclass(frozen=True)
class Session:
    """One timed session. ``start`` and ``end`` are aware datetimes in the plan's zone."""

    kind: str
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        """Real elapsed time (not the wall-clock difference)."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class Plan:
    """A care plan at one moment. :meth:`to_dict` is the ``plan --json`` contract."""

    phase: str
    hours_since_onset: float
    timezone: str
    sessions: list[Session]
    steps: list[ShownStep]
    knowledge_version: str
    onset: datetime | None = field(default=None, compare=False)
    now: datetime | None = field(default=None, compare=False)
    #: End of the plan: onset + days (real elapsed time), in the plan's zone.
    until: datetime | None = field(default=None, compare=False)
    #: When the recovery phase starts (onset + 72 h), in the plan's zone.
    recovery_from: datetime | None = field(default=None, compare=False)
    wake: time | None = field(default=None, compare=False)
    sleep: time | None = field(default=None, compare=False)
    easing: bool | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "hours_since_onset": self.hours_since_onset,
            "timezone": self.timezone,
            "sessions": [s.to_dict() for s in self.sessions],
            "steps": [dict(s) for s in self.steps],
            "knowledge_version": self.knowledge_version,
        }


@dataclass(frozen=True)
class TimerStage:
    """One stretch of a timer: ``name`` is the session kind, or ``hot``/``cold`` for rounds."""

    name: str
    seconds: float
    prompt: str


def _copy_step(st: ShownStep) -> ShownStep:
    out = dict(st)
    out["sources"] = list(st["sources"])
    if "evidence" in st:
        out["evidence"] = [
            {"text": e["text"], "sources": list(e["sources"])} for e in st["evidence"]
        ]
    return out


def steps_for_phase(
    kb: Knowledge,
    phase: str,
    *,
    easing: bool | None = False,
    person: Mapping[str, Any] | None = None,
    region: str | None = None,
) -> list[ShownStep]:
    """The self-care steps for ``phase``: ``{"id","title","text","sources","timing"[,"evidence"]}``.

    Steps that need the pain to be easing (gentle stretching) are left out unless
    ``easing`` is true; unknown (``None``) counts as not easing. ``person`` (see
    :func:`backspasm.core.fit.person_facts`) fits the steps to the person: a step's
    ``avoid_if`` leaves it out, its ``only_if`` keeps it only for them. ``region`` (a
    regions.yaml id; default: its default region) fills the words that differ by region
    (``plan.yaml`` ``region_words``, e.g. paracetamol or acetaminophen).
    """
    from backspasm.core.fit import fits

    if phase not in PHASES:
        raise PlanError("phase", "one of " + ", ".join(PHASES), phase)
    words = region_words(kb, region)
    # Kept per loaded knowledge: the steps are a pure function of these (the person's facts
    # are plain values from saved answers); each caller gets its own copy.
    cache: dict[Hashable, tuple[ShownStep, ...]] = kb.compile("core.plan.steps", lambda _kb: {})
    try:
        key: Hashable = (phase, bool(easing), region, tuple(sorted((person or {}).items())))
        kept = cache.get(key)
    except TypeError:  # a fact that is not a plain value: work it out each time
        key, kept = None, None
    if kept is None:
        kept = tuple(_fill_words(_copy_step(shown), words)
                     for shown, record in plan_config(kb).steps[(phase, bool(easing))]
                     if fits(kb, record, person))
        if key is not None and len(cache) < 1024:
            cache[key] = kept
    return [_copy_step(st) for st in kept]


_WORD = re.compile(r"{(\w+)}")


def _fill_words(step: ShownStep, words: Mapping[str, str]) -> ShownStep:
    def fill(text: str) -> str:
        return _WORD.sub(lambda m: words.get(m.group(1), m.group(0)), text)

    step["text"] = fill(step["text"])
    for e in step.get("evidence", []):
        e["text"] = fill(e["text"])
    return step


def _aware(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise PlanError(name, "a date-time with a UTC offset", value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise PlanError(name, "a date-time with a UTC offset (e.g. 2025-03-01T08:00:00+00:00)")
    if not _FIRST_YEAR <= value.year <= _LAST_YEAR:  # before converting: year 1 may overflow
        raise PlanError(name, f"a date-time between the years {_FIRST_YEAR} and {_LAST_YEAR}")
    return value.astimezone(UTC)


def _zone(tz: object) -> ZoneInfo:
    if isinstance(tz, str) and tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise PlanError("tz", "an IANA time zone name such as Europe/London", tz)


# Doors pass values straight from a request or a command line: check the types at run time.
def _clock_arg(value: object, name: str) -> time:
    if not isinstance(value, time):
        raise PlanError(name, "a time of day (HH:MM)", value)
    return value.replace(tzinfo=None)


def _whole(value: object, name: str, lo: int, hi: int, what: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise PlanError(name, f"a whole number {what}from {lo} to {hi}", value)
    return value


def _check_easing(value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise PlanError("easing", "true, false or unknown", value)


def phase_at(kb: Knowledge, onset: datetime, now: datetime) -> str:
    """``acute`` before onset + 72 hours (real elapsed time), ``recovery`` from then on."""
    start, at = _aware(onset, "onset"), _aware(now, "now")
    return "acute" if at - start < plan_config(kb).acute else "recovery"


def make_plan(
    kb: Knowledge,
    *,
    onset: datetime,
    now: datetime,
    tz: str,
    wake: time | None = None,
    sleep: time | None = None,
    days: int | None = None,
    easing: bool | None = None,
    person: Mapping[str, Any] | None = None,
    region: str | None = None,
) -> Plan:
    """The care plan at ``now`` for a spasm that started at ``onset``.

    ``wake``/``sleep`` (local wall times in ``tz``) and ``days`` (the horizon, counted as
    ``days`` x 24 hours from onset) default to the values in ``plan.yaml`` (07:00, 22:00, 7).
    ``easing`` (pain trend better or pain low; see :func:`is_easing`) adds gentle stretching
    in the recovery phase. ``person`` (pregnant, age, osteoporosis_or_steroids from the saved
    answers; see :mod:`backspasm.core.fit`) fits the steps to the person. Raises
    :class:`PlanError` naming the bad input. ``region`` fills the words that differ by
    region in the steps (see :func:`steps_for_phase`).
    """
    cfg = plan_config(kb)
    zone = _zone(tz)
    onset_u = _aware(onset, "onset")
    now_u = _aware(now, "now")
    if onset_u > now_u:
        raise PlanError("onset", "a time not after now")
    for name, value in (("onset", onset_u), ("now", now_u)):
        if not _FIRST_YEAR <= value.year <= _LAST_YEAR:  # keeps the date arithmetic in range
            raise PlanError(name, f"a date-time between the years {_FIRST_YEAR} and {_LAST_YEAR}")
    wake = _clock_arg(cfg.wake if wake is None else wake, "wake")
    sleep = _clock_arg(cfg.sleep if sleep is None else sleep, "sleep")
    if sleep <= wake:
        raise PlanError(
            "sleep", f"a time after wake ({wake.isoformat(timespec='minutes')})",
            sleep.isoformat(timespec="minutes"),
        )
    days = _whole(cfg.days if days is None else days, "days", 1, cfg.days_max, "of days ")
    _check_easing(easing)

    acute_end = onset_u + cfg.acute
    horizon = onset_u + timedelta(days=days)
    start = ceil_minute(now_u)
    phase = "acute" if now_u < acute_end else "recovery"

    sessions = list(_scheduler(kb)(zone, wake, sleep, onset_u, start, horizon))
    return Plan(
        phase=phase,
        hours_since_onset=round((now_u - onset_u).total_seconds() / 3600, 2),
        timezone=zone.key,
        sessions=sessions,
        steps=steps_for_phase(kb, phase, easing=easing, person=person, region=region),
        knowledge_version=kb.version,
        onset=onset_u.astimezone(zone),
        now=now_u.astimezone(zone),
        until=horizon.astimezone(zone),
        recovery_from=acute_end.astimezone(zone),
        wake=wake,
        sleep=sleep,
        easing=easing,
    )


Schedule = Callable[[ZoneInfo, time, time, datetime, datetime, datetime], tuple[Session, ...]]


def _scheduler(kb: Knowledge) -> Schedule:
    """The timed sessions for (zone, wake, sleep, onset, start, horizon), the UTC instants
    from :func:`make_plan`: a pure function of these and the plan's settings, so the last
    few are kept (per loaded knowledge; ``start`` is a whole minute)."""
    return kb.compile("core.plan.schedule", _new_scheduler)


def _new_scheduler(kb: Knowledge) -> Schedule:
    cfg = plan_config(kb)

    @lru_cache(maxsize=256)
    def schedule(zone: ZoneInfo, wake: time, sleep: time, onset_u: datetime, start: datetime,
                 horizon: datetime) -> tuple[Session, ...]:
        return _schedule(cfg, zone, wake, sleep, onset_u, start, horizon)

    return schedule


def _schedule(cfg: PlanConfig, zone: ZoneInfo, wake: time, sleep: time, onset_u: datetime,
              start: datetime, horizon: datetime) -> tuple[Session, ...]:
    acute_end = onset_u + cfg.acute
    recovery_start = ceil_minute(acute_end)
    raw: list[tuple[str, datetime, datetime]] = []
    checked_in = False
    next_heat = start  # heat starts stay >= the gap apart across days too
    windows = waking_windows(zone, wake, sleep, start, horizon) if start < horizon else []
    for w_lo, w_hi in windows:
        hi = min(w_hi, horizon)
        # Ice: greedy from the first waking moment, every 20 + 90 minutes, before 72 h.
        t = max(w_lo, start)
        ice_hi = min(hi, acute_end)
        while t + cfg.ice_len <= ice_hi:
            raw.append(("ice", t, t + cfg.ice_len))
            t += cfg.ice_every
        lo = max(w_lo, start, recovery_start)
        if lo >= hi:
            continue
        busy: list[Span] = []
        # Check-in: at 72 h, or the first waking moment after it (and not before now).
        if not checked_in:
            c = first_free(lo, cfg.check_len, hi, busy)
            if c is not None:
                busy.append((c, c + cfg.check_len))
                raw.append(("check_in", c, c + cfg.check_len))
                checked_in = True
        # Contrast shower: the earliest free slot of the day, at most per_day times.
        t = lo
        for _ in range(cfg.contrast_per_day):
            c = first_free(t, cfg.contrast_len, hi, busy)
            if c is None:
                break
            busy.append((c, c + cfg.contrast_len))
            raw.append(("contrast_shower", c, c + cfg.contrast_len))
            t = c + cfg.contrast_len
        # Heat: up to per_day sessions, spread over the rest of the day, starts >= gap apart.
        first = first_free(max(lo, next_heat), cfg.heat_len, hi, busy)
        if first is None:
            continue
        spread = (hi - first) / cfg.heat_per_day
        spread -= spread % _SPREAD_STEP
        step = max(cfg.heat_gap, spread)
        t = first
        for _ in range(cfg.heat_per_day):
            h = first_free(t, cfg.heat_len, hi, busy)
            if h is None:
                break
            busy.append((h, h + cfg.heat_len))
            raw.append(("heat", h, h + cfg.heat_len))
            t = h + step
            next_heat = h + cfg.heat_gap

    raw.sort(key=lambda r: (r[1], KINDS.index(r[0])))
    return tuple(Session(k, s.astimezone(zone), e.astimezone(zone)) for k, s, e in raw)

def timer_stages(
    kb: Knowledge, kind: str, *, minutes: float | None = None, rounds: int | None = None
) -> list[TimerStage]:
    """The stages of a timer for ``ice``, ``heat`` or ``contrast_shower``.

    ``minutes`` (ice, heat) defaults to the planned length and may not exceed the safe
    maximum in ``plan.yaml``; ``rounds`` (contrast shower) defaults to the planned rounds.
    """
    if kind not in ("ice", "heat", "contrast_shower"):
        raise PlanError("kind", "ice, heat or contrast", kind)
    k = session_kind(kb, kind)
    timing = {name: v["value"] for name, v in k["timing"].items()}
    if kind == "contrast_shower":
        if minutes is not None:
            raise PlanError("minutes", "no minutes for a contrast shower (use rounds)", minutes)
        n = _whole(int(timing["rounds"]) if rounds is None else rounds, "rounds", 1,
                   int(timing["max_rounds"]))
        stages: list[TimerStage] = []
        for _ in range(n):
            stages.append(TimerStage("hot", float(timing["hot_seconds"]), k.get("hot_text", "")))
            stages.append(TimerStage("cold", float(timing["cold_seconds"]), k.get("cold_text", "")))
        return stages
    if rounds is not None:
        raise PlanError("rounds", f"no rounds for {kind} (use minutes)", rounds)
    m = _minutes(timing["minutes"] if minutes is None else minutes, timing["max_minutes"])
    return [TimerStage(kind, m * 60, k["start_text"])]


def _minutes(value: object, top: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= top:
        raise PlanError("minutes", f"a number of minutes above 0 and at most {top:g}", value)
    return float(value)
