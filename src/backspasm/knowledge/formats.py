"""Dates, times, numbers and plurals as a person reads them, through Babel (CLDR).

Every door formats through these functions, never with ``strftime`` or ``'s' if n != 1``,
so that another language needs new patterns and texts, not new code. The locale is
English (``LOCALE``) for now. Patterns are CLDR date patterns (``EEE d MMM HH:mm``);
the named ones below are the app's whole vocabulary of date shapes.

Babel is imported inside the functions: importing it costs tens of milliseconds, which
commands that print no date (``backspasm --help``) should not pay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from babel import Locale

__all__ = ["LOCALE", "PATTERNS", "format_time", "format_date", "format_datetime",
           "format_number", "format_list", "plural", "plural_words", "jinja_filters"]

LOCALE = "en"

#: The date shapes the app shows, by name (CLDR patterns).
PATTERNS: dict[str, str] = {
    "time": "HH:mm",                        # 08:30
    "moment": "EEE dd MMM HH:mm",           # Sat 01 Mar 08:30 (CLI tables and lines)
    "moment_short": "EEE d MMM HH:mm",      # Sat 1 Mar 08:30 (the pain chart)
    "moment_list": "EEE d MMM, HH:mm",      # Sat 1 Mar, 08:30 (the Diary page's list)
    "moment_year": "EEE dd MMM y, HH:mm",   # Sat 01 Mar 2025, 08:30 (report)
    "day": "EEE dd MMM",                    # Sat 01 Mar (report)
    "day_short": "EEE d",                   # Sat 1 (chart ticks)
    "day_month": "dd MMM",                  # 01 Mar (report chart)
    "day_long": "EEEE d MMMM",              # Saturday 1 March (plan timetable)
    "date_long": "dd MMMM y",               # 01 March 2025 (subscription link made on)
    "weekday_day_month": "EEE d MMM",       # Sat 1 Mar
}


@lru_cache(maxsize=4)
def _locale(name: str) -> Locale:
    from babel import Locale

    return Locale.parse(name)


def _pattern(pattern: str) -> str:
    return PATTERNS.get(pattern, pattern)


def format_datetime(value: datetime, pattern: str = "moment", tz: tzinfo | None = None) -> str:
    """``value`` in the zone ``tz`` (default: its own) with a named or CLDR ``pattern``."""
    from babel.dates import format_datetime as babel_datetime

    if tz is not None:
        value = value.astimezone(tz)
    return babel_datetime(value, _pattern(pattern), tzinfo=value.tzinfo,
                          locale=_locale(LOCALE))


def format_time(value: datetime | time, pattern: str = "time", tz: tzinfo | None = None) -> str:
    """A time of day (or a date-time's, in ``tz``) with a named or CLDR ``pattern``."""
    from babel.dates import format_time as babel_time

    if isinstance(value, datetime):
        if tz is not None:
            value = value.astimezone(tz)
        return babel_time(value, _pattern(pattern), tzinfo=value.tzinfo,
                          locale=_locale(LOCALE))
    return babel_time(value, _pattern(pattern), locale=_locale(LOCALE))


def format_date(value: date, pattern: str = "day") -> str:
    """A calendar date (a date-time: its local date) with a named or CLDR ``pattern``."""
    from babel.dates import format_date as babel_date

    if isinstance(value, datetime):
        value = value.date()
    return babel_date(value, _pattern(pattern), locale=_locale(LOCALE))


@lru_cache(maxsize=1024, typed=True)
def format_number(value: float, decimals: int | None = None) -> str:
    """A number as the locale writes it; ``decimals``: exactly that many digits after the
    point (``None``: as many as needed, at most three). Kept per (value, type, decimals):
    the text depends on nothing else, and pages say the same few numbers again and again."""
    from babel.numbers import format_decimal

    fmt = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=fmt, locale=_locale(LOCALE))


def plural(n: float, forms: Mapping[str, str], **values: object) -> str:
    """The form of a text for the number ``n`` by the locale's plural rules (CLDR
    categories: ``one``, ``other``, …; ``other`` when the locale's category is missing;
    ``=0``, when given, for exactly zero),
    with ``{n}`` (the number as the locale writes it) and ``values`` filled in."""
    # An explicit text for none ("never", "none yet"; ICU's "=0") wins over the locale's
    # category, which in English puts 0 with "other" ("0 times").
    category = "=0" if n == 0 and "=0" in forms else _locale(LOCALE).plural_form(n)
    text = forms.get(category, forms["other"])
    return text.format(n=format_number(n), **values)


def format_list(items: list[str], style: Literal["standard", "unit"] = "unit") -> str:
    """Items joined as the locale lists them; ``unit`` (the default) for quantities
    ("1 episode, 2 pain scores"), ``standard`` for a list with "and"."""
    from babel.lists import format_list as babel_list

    return babel_list(items, style=style, locale=_locale(LOCALE))


def plural_words(n: float, one: str, other: str, zero: str | None = None) -> str:
    """:func:`plural` for templates: ``{{ hours | plural("{n} hour", "{n} hours") }}``;
    ``zero``: the words for none (``plural("{n} time", "{n} times", zero="never")``)."""
    forms = {"one": one, "other": other}
    if zero is not None:
        forms["=0"] = zero
    return plural(n, forms)


def jinja_filters() -> dict[str, Callable[..., str]]:
    """The filters every template environment gets (web pages, the report): ``plural``,
    ``number``, ``datetime``, ``date`` and ``time`` (the last three take a pattern name
    from :data:`PATTERNS` and format in the value's own zone)."""
    return {"plural": plural_words, "number": format_number, "datetime": format_datetime,
            "date": format_date, "time": format_time}
