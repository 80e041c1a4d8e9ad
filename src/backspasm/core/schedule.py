"""The scheduling rule, version 2: the plan's times from the onset and the diary alone.

Pure. :func:`lay_out` places every session from the onset to the horizon; ``now`` is not
an input, so the same onset, waking hours and diary give the same times whenever the plan
is asked for. :func:`label` then marks each session ``done``, ``due``, ``missed`` or
``upcoming`` at a moment.

The rule (issue 13): for each kind, sessions are laid out greedily from an anchor, the
onset (rounded up to the minute) or, once one is logged, the end of the latest logged
session of that kind plus its rest interval (ice: the gap after it; heat: the gap between
starts). Each later waking window starts again at wake time. Ice only before onset + 72 h,
heat and the contrast shower only after it, at most the daily counts, nothing overlapping,
everything wholly inside waking hours, the check-in at onset + 72 h or the next waking
moment after it. The kinds are placed in time order (the earliest candidate first, ties in
the vocabulary's order), and a logged session only counts from its own start on, so
logging a session never moves one planned before it. A logged session is matched to at
most one planned session: the latest unmatched one of its kind since the previous anchor
whose waking window it falls in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from backspasm.core.plan_config import PlanConfig, PlanError
from backspasm.core.windows import Span, ceil_minute

__all__ = ["Logged", "Placed", "label", "lay_out", "logged_sessions"]

# Heat sessions are spread over the rest of the waking window in steps rounded down to this.
_SPREAD_STEP = timedelta(minutes=15)
_ORDER = ("ice", "heat", "contrast_shower", "check_in")


@dataclass(frozen=True)
class Logged:
    """A care session from the diary: its session kind and UTC start and end."""

    kind: str
    start: datetime
    end: datetime


@dataclass
class Placed:
    """A planned session (UTC) with the waking window it lies in and its matched log."""

    kind: str
    start: datetime
    end: datetime
    window_end: datetime
    done: Logged | None = None


@dataclass
class _Track:
    kind: str
    length: timedelta
    per_day: int | None
    logs: list[Logged]
    lo: datetime  # the earliest start the phase allows
    hi: datetime  # the latest end the phase allows
    soft: list[Span]  # the logged sessions of the other kinds
    next_log: int = 0
    cursor: datetime = datetime.min  # within a window
    floor: datetime = datetime.min  # across windows
    step: timedelta | None = None  # heat: the spread, set at the first session after an anchor
    count: int = 0  # sessions (planned, and logged but unmatched) in the current window
    segment: list[Placed] = field(default_factory=list[Placed])  # planned since the last anchor
    once: bool = False  # check-in: only one
    rested: datetime | None = None  # the latest rest anchor of the logs taken so far


def logged_sessions(cfg: PlanConfig, session_of_care: Callable[[str], str | None],
                    done: Iterable[tuple[str, datetime, datetime | None]],
                    aware: Callable[[object, str], datetime]) -> tuple[Logged, ...]:
    """The diary's care taken, ``(kind, start, end)`` with a session kind or a care kind
    (``end`` ``None``: the planned length), as UTC :class:`Logged` sessions of the kinds a
    plan lays out (others, e.g. medicine, are left out). ``aware`` checks a date-time."""
    expected = "a list of (kind, start, end) care sessions"
    try:
        items: list[object] = list(done)
    except TypeError:
        raise PlanError("done", expected, done) from None
    out: list[Logged] = []
    for value in items:
        # Doors pass what a request or a file held: check the shape at run time.
        item = _care_item(value)
        if item is None:
            raise PlanError("done", expected, value)
        kind = item[0] if item[0] in cfg.lengths else session_of_care(item[0])
        if kind is None or kind == "check_in":
            continue
        start = aware(item[1], "done start")
        end = start + cfg.lengths[kind] if item[2] is None else aware(item[2], "done end")
        if end < start:
            raise PlanError("done end", "a time not before its start", item[2])
        out.append(Logged(kind, start, end))
    return tuple(sorted(out, key=lambda g: (g.start, g.end, g.kind)))


def _care_item(value: object) -> tuple[str, object, object] | None:
    if isinstance(value, tuple):
        parts = cast("tuple[object, ...]", value)
        if len(parts) == 3 and isinstance(parts[0], str):
            return parts[0], parts[1], parts[2]
    return None


def _rest(cfg: PlanConfig, log: Logged) -> datetime:
    """The anchor after a logged session: its end plus the rest interval of its kind
    (rounded up to the minute)."""
    if log.kind == "ice":
        return ceil_minute(log.end + (cfg.ice_every - cfg.ice_len))
    if log.kind == "heat":
        return ceil_minute(max(log.end, log.start + cfg.heat_gap))
    return ceil_minute(log.end)


def _free(t: datetime, length: timedelta, hi: datetime, busy: list[Span],
          soft: list[Span]) -> datetime | None:
    """Earliest start >= ``t`` of a slot ending by ``hi`` that overlaps nothing in ``busy``
    and no ``soft`` span (logged sessions) that began at or before it."""
    while t + length <= hi:
        for b0, b1 in busy:
            if b0 < t + length and t < b1:
                t = b1
                break
        else:
            for b0, b1 in soft:
                if b0 <= t < b1:
                    t = ceil_minute(b1)
                    break
            else:
                return t
    return None


def lay_out(cfg: PlanConfig, windows: list[Span], onset: datetime, horizon: datetime,
            logged: tuple[Logged, ...]) -> tuple[list[Placed], list[Logged]]:
    """Every planned session (oldest first) and the logged sessions matched to none.

    ``windows`` are the waking windows (UTC, oldest first), ``onset`` and ``horizon`` UTC
    instants, ``logged`` the diary's care sessions of the planned kinds (UTC)."""
    start = ceil_minute(onset)
    acute_end = onset + cfg.acute
    recovery = ceil_minute(acute_end)
    logs = sorted((g for g in logged if g.start >= onset), key=lambda g: (g.start, g.end))
    # In the order that wins a tie: the check-in, then the shower, then heat (as version 1).
    spec = {"check_in": (cfg.check_len, None, recovery, horizon),
            "contrast_shower": (cfg.contrast_len, cfg.contrast_per_day, recovery, horizon),
            "heat": (cfg.heat_len, cfg.heat_per_day, recovery, horizon),
            "ice": (cfg.ice_len, None, start, acute_end)}
    tracks = [_Track(k, ln, per, [g for g in logs if g.kind == k], lo, hi,
                     [(g.start, g.end) for g in logs if g.kind != k], cursor=lo, floor=lo)
              for k, (ln, per, lo, hi) in spec.items()]
    placed: list[Placed] = []
    unmatched: list[Logged] = []
    for w_lo, w_hi in windows:
        hi = min(w_hi, horizon)
        busy: list[Span] = []
        for tr in tracks:
            tr.count = sum(1 for g in unmatched if g.kind == tr.kind and w_lo <= g.start < hi)
            tr.cursor = max(w_lo, tr.floor, tr.lo)
            tr.step = None
        while True:
            best: tuple[datetime, int, _Track] | None = None
            for i, tr in enumerate(tracks):
                c = _candidate(cfg, tr, w_lo, hi, busy, unmatched)
                if c is not None and (best is None or (c, i) < best[:2]):
                    best = (c, i, tr)
            if best is None:
                break
            c, _, tr = best
            p = Placed(tr.kind, c, c + tr.length, w_hi)
            placed.append(p)
            tr.segment.append(p)
            busy.append((p.start, p.end))
            tr.count += 1
            _advance(cfg, tr, c, hi)
    for tr in tracks:  # logs after the last planned session still match one before them
        while tr.next_log < len(tr.logs):
            _take_log(cfg, tr, unmatched)
    placed.sort(key=lambda p: (p.start, _ORDER.index(p.kind)))
    return placed, unmatched


def _candidate(cfg: PlanConfig, tr: _Track, w_lo: datetime, hi: datetime, busy: list[Span],
               unmatched: list[Logged]) -> datetime | None:
    """The track's next start in this window (its logs up to it taken first), or None."""
    while True:
        if tr.once or (tr.per_day is not None and tr.count >= tr.per_day):
            return None
        c = _free(max(tr.cursor, tr.lo), tr.length, min(hi, tr.hi), busy, tr.soft)
        nxt = tr.logs[tr.next_log] if tr.next_log < len(tr.logs) else None
        if nxt is not None and (c is None and nxt.start < hi or c is not None
                                and nxt.start <= c):
            matched = _take_log(cfg, tr, unmatched)
            if not matched and w_lo <= nxt.start < hi:
                tr.count += 1
            tr.cursor = max(w_lo, tr.floor)
            continue
        return c


def _take_log(cfg: PlanConfig, tr: _Track, unmatched: list[Logged]) -> bool:
    """Take the track's next log: match it, re-anchor the track; True if it matched."""
    log = tr.logs[tr.next_log]
    tr.next_log += 1
    target = next((p for p in reversed(tr.segment)
                   if p.done is None and p.start <= log.start < p.window_end), None)
    if target is not None:
        target.done = log
    else:
        unmatched.append(log)
    tr.segment = []
    # The rest after every log so far: one logged inside a longer one (overlapping
    # entries) never brings the next session closer to the longer one's end.
    rest = _rest(cfg, log)
    tr.rested = tr.floor = rest if tr.rested is None else max(tr.rested, rest)
    tr.step = None
    return target is not None


def _advance(cfg: PlanConfig, tr: _Track, c: datetime, hi: datetime) -> None:
    """Move the track's cursor past a session placed at ``c``."""
    if tr.kind == "check_in":
        tr.once = True
    elif tr.kind == "ice":
        tr.cursor = tr.floor = c + cfg.ice_every
    elif tr.kind == "heat":
        if tr.step is None:
            left = max(1, (tr.per_day or 1) - tr.count + 1)
            spread = (hi - c) / left
            tr.step = max(cfg.heat_gap, spread - spread % _SPREAD_STEP)
        tr.cursor = c + tr.step
        tr.floor = c + cfg.heat_gap
    else:
        tr.cursor = tr.floor = c + tr.length


def label(cfg: PlanConfig, placed: list[Placed], onset: datetime, now: datetime) -> list[str]:
    """The status of each planned session at ``now``: ``done`` (a logged session matched
    it), ``upcoming`` (not started), ``missed`` (a later one of its kind has begun, one of
    its kind was logged since, or its waking window or its phase is over) or ``due``."""
    acute_end = onset + cfg.acute
    out: list[str] = []
    later: dict[str, datetime] = {}
    nexts: list[datetime | None] = [None] * len(placed)
    for i in range(len(placed) - 1, -1, -1):
        nexts[i] = later.get(placed[i].kind)
        later[placed[i].kind] = placed[i].start
    for p, nxt in zip(placed, nexts, strict=True):
        if p.done is not None:
            out.append("done")
        elif now < p.start:
            out.append("upcoming")
        elif (nxt is not None and nxt <= now) or now >= p.window_end or (
                p.kind == "ice" and now >= acute_end):
            out.append("missed")
        else:
            out.append("due")
    return out
