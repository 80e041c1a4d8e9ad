"""Time windows for the scheduler: waking hours, day boundaries, DST-safe arithmetic.

Pure. Arithmetic is done on UTC instants, so a session lasts exactly its duration in real
elapsed time even across a daylight-saving change; waking hours are local wall-clock times,
turned into instants day by day (a wall time skipped by a DST change maps to the moment of
the change; a repeated one to the occurrence that keeps the window inside waking hours).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["MINUTE", "ceil_minute", "first_free", "wall_instant", "waking_problem",
           "waking_windows"]

MINUTE = timedelta(minutes=1)

#: A busy stretch of time, as UTC instants [start, end).
Span = tuple[datetime, datetime]


def ceil_minute(t: datetime) -> datetime:
    """``t`` rounded up to a whole minute."""
    floor = t.replace(second=0, microsecond=0)
    return floor if floor == t else floor + MINUTE


def wall_instant(day: date, wall: time, zone: ZoneInfo, *, last: bool) -> datetime:
    """The UTC instant at which the local clock shows ``wall`` on ``day``.

    A repeated wall time (clocks going back) gives its first occurrence, or its last when
    ``last``; a skipped one (clocks going forward) gives the moment of the change.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return first
    if first.astimezone(zone).replace(tzinfo=None) == naive:  # repeated: first < second
        return second if last else first
    # Skipped: the first instant whose wall time is at or after ``naive`` (whole seconds).
    lo, hi = int(second.timestamp()), int(first.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) < naive:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def waking_windows(
    zone: ZoneInfo, wake: time, sleep: time, start: datetime, end: datetime
) -> list[Span]:
    """Waking windows [wake, sleep) as UTC instants that end after ``start`` and begin
    before ``end``, oldest first. When ``sleep`` is not after ``wake`` the person is awake
    across midnight (a night shift: 23:00 to 07:00) and each window ends on the next date.
    """
    overnight = sleep <= wake
    day = start.astimezone(zone).date() - timedelta(days=1 if overnight else 0)
    last_day = end.astimezone(zone).date()
    out: list[Span] = []
    while day <= last_day:
        lo = wall_instant(day, wake, zone, last=True)
        hi = wall_instant(day + timedelta(days=1) if overnight else day, sleep, zone, last=False)
        if out and lo < out[-1][1]:  # never two windows over one moment (DST edge)
            lo = out[-1][1]
        if lo < hi and hi > start and lo < end:
            out.append((lo, hi))
        day += timedelta(days=1)
    return out


def waking_problem(wake: time, sleep: time) -> str | None:
    """Why ``wake``/``sleep`` cannot be waking hours (``None``: they can). Only equal times
    are refused: a sleep time before the wake time means awake across midnight."""
    if wake.replace(tzinfo=None) == sleep.replace(tzinfo=None):
        return "a sleeping time different from the waking time"
    return None


def first_free(t: datetime, length: timedelta, hi: datetime, busy: list[Span]) -> datetime | None:
    """Earliest start at or after ``t`` of a ``length`` slot ending by ``hi``, free of ``busy``."""
    while t + length <= hi:
        for b_start, b_end in busy:
            if b_start < t + length and t < b_end:
                t = b_end
                break
        else:
            return t
    return None
