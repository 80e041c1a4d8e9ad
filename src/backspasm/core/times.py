"""The range of date-times the app accepts, checked the same way by every door.

Years 1900 to 2100 hold every real onset, entry and plan; outside them, converting between
offsets can leave Python's calendar (year 1 at +14:00 is year 0 in UTC) and a database
column. The API, the CLI, the store and an import all use :func:`in_range`.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["FIRST_YEAR", "LAST_YEAR", "RANGE_TEXT", "ID_MAX", "in_range", "is_id"]

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
