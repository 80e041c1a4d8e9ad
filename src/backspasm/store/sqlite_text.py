"""How the diary's values are stored as text in SQLite, written and read without SQLAlchemy.

The one definition shared by the SQLAlchemy store (``models.UTCDateTime`` reads times with
:func:`read_utc`) and the stdlib path of the diary commands (:mod:`backspasm.store.lite`),
which must write and read exactly what the store does:

- date-times (``UTCDateTime``): naive UTC, ``2026-03-10 12:00:00.000000`` (SQLAlchemy's
  SQLite ``DATETIME`` storage format, microseconds always written); read back aware, UTC;
- times of day (``Time``): ``07:00:00.000000``; dates (``Date``): ``1980-04-30``;
- JSON columns: ``json.dumps`` text.

``tests/test_store_lite.py`` holds both sides to SQLAlchemy's own processors.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any, overload

__all__ = ["read_date", "read_json", "read_time", "read_utc", "utc_text"]


def utc_text(value: datetime) -> str:
    """An aware date-time as the store writes it: naive UTC text with microseconds (what
    SQLAlchemy's SQLite ``DATETIME`` writes for ``UTCDateTime.process_bind_param``'s value)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime reached the database layer")
    v = value.astimezone(UTC)
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
            f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}")


@overload
def read_utc(value: str) -> datetime: ...


@overload
def read_utc(value: None) -> None: ...


def read_utc(value: str | None) -> datetime | None:
    """SQLite's stored text (``2026-03-10 12:00:00.000000``) as an aware UTC datetime."""
    if value is None:
        return None
    try:
        # Parsed with its offset: ~6× cheaper than parsing and then .replace(tzinfo=UTC).
        parsed = datetime.fromisoformat(value + "+00:00")
        if parsed.tzinfo is UTC:
            return parsed
    except ValueError:
        pass
    # A spelling not read above (a date alone, an offset of its own): as SQLAlchemy reads it.
    # The app never writes one; only such a row makes a diary command import SQLAlchemy.
    from sqlalchemy.dialects.sqlite import DATETIME

    old = DATETIME().result_processor(None, None)(value)  # type: ignore[arg-type]
    return None if old is None else old.replace(tzinfo=UTC)


def read_time(value: str | None) -> time | None:
    """A ``Time`` column's text (``07:00:00.000000``), as SQLAlchemy's SQLite ``TIME`` reads it."""
    return None if value is None else time.fromisoformat(value)


def read_date(value: str | None) -> date | None:
    """A ``Date`` column's text (``1980-04-30``), as SQLAlchemy's SQLite ``DATE`` reads it."""
    return None if value is None else date.fromisoformat(value)


def read_json(value: Any) -> Any:
    """A ``JSON`` column's text, as SQLAlchemy's ``JSON`` type reads it (``json.loads``)."""
    return None if value is None else json.loads(value)
