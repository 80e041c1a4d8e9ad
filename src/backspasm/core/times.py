"""Times as every door reads them: the range of date-times the app accepts, the one
time-of-day parser and the one date-time parser for options.

Years 1900 to 2100 hold every real onset, entry and plan; outside them, converting between
offsets can leave Python's calendar (year 1 at +14:00 is year 0 in UTC) and a database
column. The API, the CLI, the store and an import all use :func:`in_range`. Pure: "today"
for ``HH:MM`` is a parameter, never the clock.
"""

from __future__ import annotations

from datetime import datetime, time, tzinfo

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "RANGE_TEXT",
    "ID_MAX",
    "OutOfRange",
    "in_range",
    "is_id",
    "parse_clock",
    "parse_option_datetime",
]

FIRST_YEAR, LAST_YEAR = 1900, 2100
#: Words for messages: "expected a date and time between 1900 and 2100".
RANGE_TEXT = f"between {FIRST_YEAR} and {LAST_YEAR}"
#: The largest record id a database column holds (signed 64-bit).
ID_MAX = 2**63 - 1


def in_range(value: datetime) -> bool:
    """True when the local date of ``value`` is in the years 1900 to 2100."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def is_id(value: object) -> bool:
    """True for a whole number that can be a record id (1 to 2**63 - 1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX


def parse_clock(value: str, *, seconds: bool = False) -> time | None:
    """A time of day ``HH:MM`` (24-hour clock, two digits each) → :class:`time`, else
    ``None``. With ``seconds``, ``HH:MM:00`` too (browsers may send seconds)."""
    if seconds and len(value) == 8 and value.endswith(":00"):
        value = value[:5]
    if len(value) != 5 or value[2] != ":" or not (value[:2] + value[3:]).isdigit():
        return None
    h, m = int(value[:2]), int(value[3:])
    return time(h, m) if h < 24 and m < 60 else None


class OutOfRange(ValueError):
    """A well-formed date-time outside the years 1900 to 2100 (:data:`RANGE_TEXT`)."""


def parse_option_datetime(
    value: str, zone: tzinfo | None, *, today: datetime | None = None
) -> datetime:
    """A date and time given as an option (``--onset``, ``--at`` …): an ISO 8601 / RFC 3339
    date-time; one without an offset is local time in ``zone`` (left naive when ``zone`` is
    ``None``). With ``today`` (an aware moment), ``HH:MM`` is that time on the same local
    date in ``zone``. Raises :class:`OutOfRange` outside the years 1900 to 2100, else
    ``ValueError`` for anything that is not a date-time."""
    text = value.strip()
    if today is not None:
        clock = parse_clock(text)
        if clock is not None:
            local = today.astimezone(zone)
            return local.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
    dt = datetime.fromisoformat(text)
    if not in_range(dt):
        raise OutOfRange(value)
    return dt if dt.tzinfo is not None or zone is None else dt.replace(tzinfo=zone)
