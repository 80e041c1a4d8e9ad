"""Checks of values given to the store: each returns the value as stored or raises
:class:`~backspasm.store.errors.StoreError` naming the field and what was expected.

Used before anything is written, by :class:`~backspasm.store.repository.Store`, the
import (:mod:`backspasm.store.document`) and :class:`~backspasm.store.accounts.Accounts`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from backspasm.core.times import RANGE_TEXT, in_range
from backspasm.store.errors import StoreError

__all__ = [
    "FUTURE_GRACE", "MINUTES_MAX", "NOTE_MAX", "NO_REGION", "choice", "iso_utc", "pain_values",
    "past", "profile_values", "text", "tz_name", "unsure_names", "utc", "whole_number",
]

#: Times up to this far ahead of the store's clock are accepted (clocks of a phone and a
#: server differ a little); anything later is "in the future".
FUTURE_GRACE = timedelta(minutes=2)
NOTE_MAX = 2000
MINUTES_MAX = 24 * 60
#: What the ``region`` column holds while the person has not chosen one.
NO_REGION = ""


def utc(field: str, value: Any) -> datetime:
    """An aware date and time inside the supported range, in UTC."""
    if not isinstance(value, datetime):
        raise StoreError(field, "a date and time", type(value).__name__)
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(field, "a date and time with a time zone offset", value.isoformat())
    if not in_range(value):
        raise StoreError(field, f"a date and time {RANGE_TEXT}", value.isoformat())
    return value.astimezone(UTC)


def past(field: str, value: Any, now: datetime) -> datetime:
    """As :func:`utc`, and not later than ``now`` plus :data:`FUTURE_GRACE`."""
    at = utc(field, value)
    if at > now + FUTURE_GRACE:
        raise StoreError(field, "a time that is not in the future", iso_utc(at))
    return at


def whole_number(field: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise StoreError(field, f"a whole number from {lo} to {hi}", value)
    return value


def pain_values(score: Any, at: Any, note: Any, now: datetime
                ) -> tuple[int, datetime, str | None]:
    """A pain entry's score (0–10), time (not in the future) and note, as stored; checked in
    this order (``log_pain`` of the store and of :mod:`backspasm.store.lite`)."""
    return whole_number("pain", score, 0, 10), past("at", at, now), text("note", note)


def text(field: str, value: Any, limit: int = NOTE_MAX) -> str | None:
    """Optional text; blank text is stored as ``None``."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise StoreError(field, f"text of at most {limit} characters", type(value).__name__)
    if "\x00" in value:
        raise StoreError(field, "text without NUL characters", "text with a NUL character")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise StoreError(field, "text of valid Unicode characters", "a lone surrogate")
    return value if value.strip() else None


def choice(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise StoreError(field, "one of " + ", ".join(allowed), value)
    return str(value)


def tz_name(value: Any) -> str:
    """An IANA time zone name the system knows."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise StoreError("tz", "an IANA time zone name such as Europe/London", value) from None
    return str(value)


def iso_utc(dt: datetime | None) -> str | None:
    """RFC 3339 in UTC with ``Z`` (the export's and the error messages' spelling)."""
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def profile_values(**given: Any) -> dict[str, Any]:
    """The column values of the profile settings given (``tz``, ``wake``, ``sleep``,
    ``region``, ``age``, ``name``, ``birth_date``); the waking and sleeping times must
    differ (waking hours may cross midnight)."""
    out: dict[str, Any] = {}
    if "name" in given:  # optional; blank clears it
        out["name"] = None if given["name"] is None else text("name", given["name"], 200)
        if out["name"] is not None:
            out["name"] = " ".join(out["name"].split())
    if "birth_date" in given:
        out["birth_date"] = birth_date(given["birth_date"])
    if "tz" in given:
        out["tz"] = tz_name(given["tz"])
    for name in ("wake", "sleep"):
        if name in given:
            if not isinstance(given[name], time) or given[name].tzinfo is not None:
                raise StoreError(name, "a time of day such as 07:00", given[name])
            out[name] = given[name].replace(second=0, microsecond=0)
    if "region" in given:
        region = given["region"]
        if region is None:
            # Not chosen yet: the doors pick one from the time zone (core.region). Stored
            # as "" so the column stays NOT NULL and older databases need no migration.
            out["region"] = NO_REGION
        elif not isinstance(region, str) or not region.isalpha() or not 2 <= len(region) <= 8:
            raise StoreError("region", "a region code such as GB or US", region)
        else:
            out["region"] = region.upper()
    if "age" in given and given["age"] is not None:
        out["age"] = whole_number("age", given["age"], 0, 120)
    elif "age" in given:
        out["age"] = None
    # A sleeping time before the waking time is a night awake (core.windows.waking_problem).
    if "wake" in out and "sleep" in out and out["wake"] == out["sleep"]:
        raise StoreError("wake", "a waking time other than the sleeping time", str(out["wake"]))
    return out


def birth_date(value: Any) -> date | None:
    """``None`` (not given) or a calendar date from 1900 to today (UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise StoreError("birth_date", "a date such as 1980-04-30", value)
    if not date(1900, 1, 1) <= value <= datetime.now(UTC).date():
        raise StoreError("birth_date", "a date from 1900-01-01 to today", value.isoformat())
    return value


def unsure_names(value: Any) -> list[str]:
    """The "not sure" field names as a sorted list without repeats."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise StoreError("unsure", "a list of answer field names", value)
    if not all(isinstance(x, str) and x for x in value):
        raise StoreError("unsure", "a list of answer field names", value)
    return sorted(set(value))
