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
from collections.abc import Callable, Hashable, Iterable, Mapping
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
from backspasm.core.schedule import Logged, Placed, label, lay_out, logged_sessions
from backspasm.core.times import FIRST_YEAR, LAST_YEAR
from backspasm.core.windows import waking_problem, waking_windows
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

_FIRST_YEAR, _LAST_YEAR = FIRST_YEAR, LAST_YEAR  # core.times: the same range everywhere


@dataclass(frozen=True)
class Session:
    """One timed session. ``start`` and ``end`` are aware datetimes in the plan's zone: the
    planned times (for a logged session that matched no planned one, its logged times).

    ``status`` at the plan's ``now``: ``done``, ``due``, ``missed`` or ``upcoming``
    (:func:`backspasm.core.schedule.label`). A done session carries when it was really
    done (``done_start``, ``done_end``), which the doors show."""

    kind: str
    start: datetime
    end: datetime
    status: str = "upcoming"
    done_start: datetime | None = None
    done_end: datetime | None = None
    #: False for a logged session that matched no planned one (shown, never in a calendar).
    planned: bool = True

    @property
    def duration(self) -> timedelta:
        """Real elapsed time (not the wall-clock difference)."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    @property
    def shown_start(self) -> datetime:
        """When the doors show it: the real time for a done session, else the planned one."""
        return self.done_start or self.start

    @property
    def shown_end(self) -> datetime:
        return self.done_end or self.end

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "start": self.start.isoformat(),
                               "end": self.end.isoformat(), "status": self.status}
        if self.done_start is not None and self.done_end is not None:
            out["done_start"] = self.done_start.isoformat()
            out["done_end"] = self.done_end.isoformat()
        if not self.planned:
            out["planned"] = False
        return out


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
    done: Iterable[tuple[str, datetime, datetime | None]] = (),
) -> Plan:
    """The care plan at ``now`` for a spasm that started at ``onset``.

    The session times come from the onset, the waking hours and ``done`` alone (the
    scheduling rule version 2, :mod:`backspasm.core.schedule`); ``now`` only sets the phase
    and each session's status. ``done`` is the diary's care taken: ``(kind, start, end)``
    with a session kind or a diary care kind (others, e.g. ``medicine``, are ignored) and
    ``end`` ``None`` for the planned length.

    ``wake``/``sleep`` (local wall times in ``tz``; sleep before wake means awake across
    midnight) and ``days`` (the horizon, counted as ``days`` x 24 hours from onset) default
    to the values in ``plan.yaml`` (07:00, 22:00, 7). ``easing`` (see :func:`is_easing`)
    adds gentle stretching in the recovery phase. ``person`` (pregnant, age,
    osteoporosis_or_steroids from the saved answers; see :mod:`backspasm.core.fit`) fits
    the steps to the person; ``region`` fills the words that differ by region (see
    :func:`steps_for_phase`). Raises :class:`PlanError` naming the bad input.
    """
    cfg = plan_config(kb)
    zone = _zone(tz)
    onset_u = _aware(onset, "onset")
    now_u = _aware(now, "now")
    if onset_u > now_u:
        raise PlanError("onset", "a time not after now")
    wake = _clock_arg(cfg.wake if wake is None else wake, "wake")
    sleep = _clock_arg(cfg.sleep if sleep is None else sleep, "sleep")
    problem = waking_problem(wake, sleep)
    if problem is not None:
        raise PlanError("sleep", problem, sleep.isoformat(timespec="minutes"))
    days = _whole(cfg.days if days is None else days, "days", 1, cfg.days_max, "of days ")
    _check_easing(easing)
    logged = logged_sessions(cfg, kb.vocabulary.session_of_care, done, _aware)

    acute_end = onset_u + cfg.acute
    horizon = onset_u + timedelta(days=days)
    phase = "acute" if now_u < acute_end else "recovery"
    placed, unmatched = _scheduler(kb)(zone, wake, sleep, onset_u, horizon, logged)
    statuses = label(cfg, list(placed), onset_u, now_u)

    def local(t: datetime) -> datetime:
        return t.astimezone(zone)

    sessions = [Session(p.kind, local(p.start), local(p.end), st,
                        None if p.done is None else local(p.done.start),
                        None if p.done is None else local(p.done.end))
                for p, st in zip(placed, statuses, strict=True)]
    sessions += [Session(g.kind, local(g.start), local(g.end), "done", local(g.start),
                         local(g.end), planned=False) for g in unmatched if g.start < horizon]
    sessions.sort(key=lambda s: (s.shown_start.astimezone(UTC), KINDS.index(s.kind)))
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


Placement = tuple[tuple[Placed, ...], tuple[Logged, ...]]
Schedule = Callable[[ZoneInfo, time, time, datetime, datetime, tuple[Logged, ...]], Placement]


def _scheduler(kb: Knowledge) -> Schedule:
    """The placed sessions for (zone, wake, sleep, onset, horizon, logged), the UTC instants
    from :func:`make_plan`: a pure function of these and the plan's settings, so the last
    few are kept (per loaded knowledge). The kept records are never changed."""
    return kb.compile("core.plan.schedule", _new_scheduler)


#: Most schedules kept per loaded knowledge, and the most logged sessions a kept one may
#: have. The key holds every logged session, so both bound the memory the cache can hold:
#: a diary with more care logged (far more than a plan's sessions) is scheduled afresh.
KEPT_SCHEDULES = 64
KEPT_LOGGED_MAX = 64


def _new_scheduler(kb: Knowledge) -> Schedule:
    return _Scheduler(plan_config(kb))


class _Scheduler:
    """:func:`lay_out` over the waking windows, the last :data:`KEPT_SCHEDULES` results
    kept (``kept``, an ``lru_cache``) unless more than :data:`KEPT_LOGGED_MAX` sessions are
    logged."""

    def __init__(self, cfg: PlanConfig) -> None:
        self.cfg = cfg
        self.kept = lru_cache(maxsize=KEPT_SCHEDULES)(self.fresh)

    def fresh(self, zone: ZoneInfo, wake: time, sleep: time, onset_u: datetime,
              horizon: datetime, logged: tuple[Logged, ...]) -> Placement:
        windows = waking_windows(zone, wake, sleep, onset_u, horizon)
        placed, unmatched = lay_out(self.cfg, windows, onset_u, horizon, logged)
        return tuple(placed), tuple(unmatched)

    def __call__(self, zone: ZoneInfo, wake: time, sleep: time, onset_u: datetime,
                 horizon: datetime, logged: tuple[Logged, ...]) -> Placement:
        use = self.kept if len(logged) <= KEPT_LOGGED_MAX else self.fresh
        return use(zone, wake, sleep, onset_u, horizon, logged)


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
