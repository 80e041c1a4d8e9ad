"""One form value of a triage question, parsed: yes/no/not sure, an option, a whole
number, or a time ago (in hours or days, or an RFC 3339 date-time). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from backspasm.core.answers import AnswersError, format_datetime, parse_datetime

if TYPE_CHECKING:
    from backspasm.core.flow import Question

__all__ = ["NOT_SURE", "FormAnswer", "parse_form_value"]

NOT_SURE = "not_sure"


@dataclass(frozen=True)
class FormAnswer:
    """One parsed form value: ``value`` for the field, or ``not_sure``."""

    field: str
    value: Any
    not_sure: bool = False


def parse_form_value(q: Question, raw: str, *, now: datetime) -> FormAnswer:
    """Parse one form value for ``q``: ``yes``/``no``/``not_sure``, an option value, or a
    whole number (for ``hours_ago`` the hours, or an RFC 3339 date-time). Raises AnswersError."""
    value = (raw or "").strip()
    if q.kind == "yes_no":
        allowed = [o.value for o in q.options]
        if value not in allowed:
            raise AnswersError(q.id, " or ".join(f'"{v}"' for v in allowed), raw)
        if value == NOT_SURE:
            return FormAnswer(q.id, None, not_sure=True)
        return FormAnswer(q.id, value == "yes")
    if q.kind == "choice":
        allowed = [o.value for o in q.options]
        if value not in allowed:
            raise AnswersError(q.id, "one of " + ", ".join(f'"{v}"' for v in allowed), raw)
        return FormAnswer(q.id, value)
    if q.kind == "hours_ago":
        when = parse_datetime(value) if "T" in value.upper() else None
        if when is not None:
            if when > now:
                raise AnswersError(q.id, "a time not after now", raw)
            return FormAnswer(q.id, format_datetime(when))
    expected = f"a whole number from {q.minimum} to {q.maximum}"
    per = 1
    if q.kind == "hours_ago" and q.units:
        value, per = _in_hours(q, value)
        names = " or ".join(f'"N {u.value}"' for u in q.units)
        expected = f"{expected} hours, or {names}"
    if not value.isascii() or not value.isdigit():
        raise AnswersError(q.id, expected, raw)
    number = int(value) * per
    if (q.minimum is not None and number < q.minimum) or (
        q.maximum is not None and number > q.maximum
    ):
        raise AnswersError(q.id, expected, raw)
    if q.kind == "hours_ago":
        return FormAnswer(q.id, format_datetime(now - timedelta(hours=number)))
    return FormAnswer(q.id, number)


def _in_hours(q: Question, value: str) -> tuple[str, int]:
    """``"3 days"`` -> ``("3", 24)``: the number as typed and the hours in its unit (a bare
    number, or a unit not known, is hours; the number check then refuses what is left)."""
    number, _, word = value.partition(" ")
    if not word:  # "3d", "72h"
        digits = number.rstrip("abcdefghijklmnopqrstuvwxyz")
        number, word = digits, number[len(digits):]
    word = word.strip().lower()
    if not word:
        return number, q.units[0].hours
    for u in q.units:
        if word in (u.value, u.value.rstrip("s"), u.value[0]) or word == u.label.lower():
            return number, u.hours
    return value, 1
