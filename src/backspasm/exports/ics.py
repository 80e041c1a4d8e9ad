"""Calendar reminders: planned sessions → an iCalendar file (RFC 5545).

One VEVENT per session, in the person's time zone (TZID with its VTIMEZONE), with a
DISPLAY alarm at the start and, for ice and heat, one at the end. Phones ring these alarms
from their own calendar, so the reminders work with backspasm closed and offline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from backspasm import __version__
from backspasm.exports.data import ExportError, SessionLike

__all__ = ["build_ics", "session_texts", "session_uid"]

PRODID = f"-//backspasm//backspasm {__version__}//EN"


def session_uid(episode_uid: str, kind: str, local_day: date, ordinal: int) -> str:
    """Stable UID: the same episode and plan give the same UIDs, so re-imports update."""
    return f"{episode_uid}-{local_day.isoformat()}-{kind}-{ordinal}@backspasm"


def session_texts(kb: Any) -> dict[str, dict[str, Any]]:
    """Session kind → its plan.yaml record (title, start_text, end_text, sources)."""
    return kb.compile(
        "exports.session_kinds", lambda kb: {k["kind"]: k for k in kb.data["plan"]["session_kinds"]}
    )


@lru_cache(maxsize=32)
def _vtimezone(key: str, first: date, last: date) -> Any:
    from icalendar import Timezone

    return Timezone.from_tzid(key, first_date=first, last_date=last)


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
        raise ExportError("now", "expected a date-time with a time zone offset")
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
    per_day: Counter[tuple[str, date]] = Counter()
    events = []
    for s in sorted(sessions, key=lambda s: (s.start, s.kind)):
        if s.start.tzinfo is None or s.end.tzinfo is None:
            raise ExportError("session", f"expected aware start and end times ({s.kind})")
        text = kinds.get(s.kind)
        if text is None:
            known = ", ".join(kinds)
            raise ExportError("session kind", f"expected one of {known}, got {s.kind!r}")
        start, end = s.start.astimezone(tz), s.end.astimezone(tz)
        per_day[(s.kind, start.date())] += 1
        ev = Event()
        ev.add(
            "uid", session_uid(episode_uid, s.kind, start.date(), per_day[(s.kind, start.date())])
        )
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start)
        ev.add("dtend", end)
        ev.add("summary", text["title"])
        ev.add("description", text["start_text"] + "\n\n" + text["end_text"])
        ev.add("transp", "TRANSPARENT")
        ev.add_component(_alarm(text["start_text"], "START"))
        if s.kind in end_alarm:
            ev.add_component(_alarm(text["end_text"], "END"))
        events.append((start, end, ev))
    if events:
        # Whole calendar years: one cached VTIMEZONE serves every plan in them.
        first = date(min(e[0] for e in events).year, 1, 1)
        last = date(max(e[1] for e in events).year + 1, 1, 1)
        cal.add_component(_vtimezone(tz.key, first, last))
    for _, _, ev in events:
        cal.add_component(ev)
    return cal.to_ical()
