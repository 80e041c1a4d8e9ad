"""Calendar reminders: planned sessions → an iCalendar file (RFC 5545).

One VEVENT per session, in the person's time zone (TZID with its VTIMEZONE), with a
DISPLAY alarm at the start and, for ice and heat, one at the end. Phones ring these alarms
from their own calendar, so the reminders work with backspasm closed and offline.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from backspasm import __version__
from backspasm.exports.data import SessionLike, export_error

__all__ = ["build_ics", "session_texts", "session_uid"]

PRODID = f"-//backspasm//backspasm {__version__}//EN"


def session_uid(episode_uid: str, kind: str, start: datetime) -> str:
    """Stable UID from the episode, the kind and the planned start (UTC, to the minute).

    Plan times never depend on when the file is made (the scheduling rule version 2), so a
    session keeps its UID until the diary moves it; a moved session is a new event (and a
    feed drops the old one). Not a per-day count: that shifted as sessions went by."""
    return f"{episode_uid}-{kind}-{start.astimezone(UTC):%Y%m%dT%H%MZ}@backspasm"


def session_texts(kb: Any) -> dict[str, dict[str, Any]]:
    """Session kind → its plan.yaml record (title, start_text, end_text, sources)."""
    return kb.compile(
        "exports.session_kinds", lambda kb: {k["kind"]: k for k in kb.data["plan"]["session_kinds"]}
    )


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants (to the minute) where the zone's offset or name changes."""

    def state(t: datetime) -> tuple[Any, ...]:
        local = t.astimezone(zone)
        return (local.utcoffset(), local.tzname())

    out = []
    t, day = start, timedelta(days=1)
    while t < end:
        if state(t) != state(t + day):
            lo, hi = t, t + day  # bisect to the minute
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if state(mid) == state(lo) else (lo, mid)
            out.append(hi.replace(second=0, microsecond=0))
        t += day
    return out


def _month_len(year: int, month: int) -> int:
    return (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days


def _rule_day(year: int, month: int, weekday: int, first_day: int) -> date:
    """The ``weekday`` on or after ``first_day`` of the month (``-1``: the last one)."""
    if first_day == -1:
        last = date(year, month, _month_len(year, month))
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    start = date(year, month, first_day)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _yearly_rule(walls: list[datetime]) -> dict[str, Any] | None:
    """An RRULE for changes that fall on one weekday of one month, on or after one day
    ("2SU", "-1SU", or Chile's "Sunday on or after the 2nd"); None if there is none."""
    months, weekdays = {w.month for w in walls}, {w.weekday() for w in walls}
    if len(months) != 1 or len(weekdays) != 1:
        return None
    month, weekday = months.pop(), weekdays.pop()
    feasible = set(range(1, 29))
    for w in walls:
        feasible &= set(range(max(1, w.day - 6), w.day + 1))
    rule: dict[str, Any] = {"freq": "yearly", "bymonth": month}
    nth = sorted(feasible & {1, 8, 15, 22})
    if nth:
        rule["byday"] = f"{(nth[0] - 1) // 7 + 1}{_WEEKDAYS[weekday]}"
        return rule | {"_first": nth[0]}
    if all(w.day + 7 > _month_len(w.year, month) for w in walls):
        return rule | {"byday": f"-1{_WEEKDAYS[weekday]}", "_first": -1}
    if feasible:
        d = min(feasible)
        return rule | {
            "byday": _WEEKDAYS[weekday],
            "bymonthday": list(range(d, d + 7)),
            "_first": d,
        }
    return None


@lru_cache(maxsize=64)
def _vtimezone_rules(key: str, year: int) -> Any | None:
    """A VTIMEZONE with yearly RRULEs, or None when the zone's changes around ``year``
    follow no such rule (then use explicit dates).

    Not icalendar's ``Timezone.from_tzid`` over the events' span: vobject (the parser of the
    Radicale CalDAV server) keeps the first VTIMEZONE it reads for a TZID for the whole
    process, so every file must carry the same one, and it reads only the first date of the
    RDATE lists ``from_tzid`` writes for longer spans (test_ics.py pins the first)."""
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    zone = ZoneInfo(key)
    start = datetime(year - 1, 1, 1, tzinfo=UTC)
    changes = _transitions(zone, start, datetime(year + 3, 1, 1, tzinfo=UTC))
    vtz = Timezone()
    vtz.add("tzid", key)
    if not changes:
        local = start.astimezone(zone)
        comp = TimezoneStandard()
        comp.add("dtstart", datetime(1970, 1, 1))
        comp.add("tzoffsetfrom", local.utcoffset())
        comp.add("tzoffsetto", local.utcoffset())
        comp.add("tzname", local.tzname())
        vtz.add_component(comp)
        return vtz
    groups: dict[tuple[Any, ...], list[datetime]] = {}
    for t in changes:
        before, after = (t - timedelta(minutes=1)).astimezone(zone), t.astimezone(zone)
        # RFC 5545: DTSTART is the wall time just before the change, in the old offset.
        wall = (t + (before.utcoffset() or timedelta(0))).replace(tzinfo=None)  # aware: set
        sig = (
            bool(after.dst()),
            before.utcoffset(),
            after.utcoffset(),
            after.tzname(),
            wall.time(),
        )
        groups.setdefault(sig, []).append(wall)
    if len(groups) > 2 or any(len(v) < 3 for v in groups.values()):
        return None
    for (dst, off_from, off_to, name, at), walls in groups.items():
        rule = _yearly_rule(walls)
        if rule is None:
            return None
        first = rule.pop("_first")
        comp = TimezoneDaylight() if dst else TimezoneStandard()
        # The rule from 1970 (as most producers write it): the text then does not depend on
        # the year of the events, and readers that keep the first VTIMEZONE of a TZID they
        # see (vobject does) stay right for every later file.
        day = _rule_day(1970, rule["bymonth"], walls[0].weekday(), first)
        comp.add("dtstart", datetime.combine(day, at))
        comp.add("rrule", rule)
        comp.add("tzoffsetfrom", off_from)
        comp.add("tzoffsetto", off_to)
        comp.add("tzname", name)
        vtz.add_component(comp)
    return vtz


def _vtimezone(key: str, first: date, last: date) -> Any:
    """The VTIMEZONE for events between ``first`` and ``last``: yearly rules when the zone
    has them (the same text in every file), else explicit changes for those years only."""
    if last.year - first.year <= 2:
        rules = _vtimezone_rules(key, first.year)
        if rules is not None:
            return rules
    return _vtimezone_dates(key, date(first.year, 1, 1), date(last.year + 1, 1, 1))


@lru_cache(maxsize=32)
def _vtimezone_dates(key: str, first: date, last: date) -> Any:
    from icalendar import Timezone

    return Timezone.from_tzid(key, first_date=first, last_date=last)


def _local(t: datetime, tz: ZoneInfo) -> datetime:
    """``t`` as the wall time the person's clock shows at that instant.

    Through UTC: ``t.astimezone(tz)`` returns ``t`` itself when it already carries ``tz``,
    and wall-clock arithmetic in a ``ZoneInfo`` (``start + timedelta(...)``) can give a
    time that the clocks skip (02:30 on the spring-forward night), which readers resolve
    differently (RFC 5545 says the offset before the gap; vobject/dateutil take the one
    after, an hour early)."""
    return t.astimezone(UTC).astimezone(tz)


def _written(t: datetime) -> datetime:
    """The value to write: the local time with the TZID, unless that wall time happens twice
    (the night the clocks go back) and ``t`` is the second one. RFC 5545 reads a repeated
    TZID time as the first, an hour early, so the second is written in UTC."""
    if t.fold and t.utcoffset() != t.replace(fold=0).utcoffset():
        return t.astimezone(UTC)
    return t


def _alarm(text: str, related: str) -> Any:
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", timedelta(0), parameters={"RELATED": related})
    return alarm


def build_ics(
    sessions: Iterable[SessionLike],
    *,
    episode_uid: str,
    tz: ZoneInfo,
    kb: Any,
    now: datetime,
    feed: bool = False,
) -> bytes:
    """Build the calendar for ``sessions``.

    ``now`` (aware) is the DTSTAMP. ``feed=True`` adds the refresh hints a subscribed
    calendar reads. Raises :class:`ExportError` for a naive time or a kind without text.
    """
    from icalendar import Calendar, Event

    if now.tzinfo is None:
        raise export_error("now", "offset", kb)
    texts = kb.data["exports"]["calendar"]
    kinds = session_texts(kb)
    end_alarm = set(texts["end_alarm_kinds"])
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", texts["name"])
    cal.add("x-wr-timezone", tz.key)
    if feed:
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", timedelta(hours=1))
    stamp = now.astimezone(UTC)
    events = []
    for s in sorted(sessions, key=lambda s: (s.start, s.kind)):
        if s.start.tzinfo is None or s.end.tzinfo is None:
            raise export_error("session", "session_times", kb, kind=s.kind)
        text = kinds.get(s.kind)
        if text is None:
            known = ", ".join(kinds)
            raise export_error("session kind", "session_kind", kb, kinds=known, got=repr(s.kind))
        start, end = _local(s.start, tz), _local(s.end, tz)
        ev = Event()
        ev.add("uid", session_uid(episode_uid, s.kind, s.start))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", _written(start))
        ev.add("dtend", _written(end))
        ev.add("summary", text["title"])
        ev.add("description", text["start_text"] + "\n\n" + text["end_text"])
        ev.add("transp", "TRANSPARENT")
        ev.add_component(_alarm(text["start_text"], "START"))
        if s.kind in end_alarm:
            ev.add_component(_alarm(text["end_text"], "END"))
        events.append((start, end, ev))
    if events:
        first = min(e[0] for e in events).date()
        last = max(e[1] for e in events).date()
        cal.add_component(_vtimezone(tz.key, first, last))
    for _, _, ev in events:
        cal.add_component(ev)
    return cal.to_ical()
