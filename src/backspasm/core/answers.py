"""Strict parsing of the triage answers contract (shared/spec/answers.md).

Types, enums and ranges come from our copy of the JSON Schema (answers.schema.json), so
the contract lives in one place. We do not import ``jsonschema`` at run time (it costs
about 100 ms); a test checks that this validator agrees with it. Bad input is rejected as
a whole: nothing is half-applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from types import MappingProxyType
from typing import Any, cast

from backspasm.core.times import FIRST_YEAR, LAST_YEAR, RANGE_TEXT
from backspasm.knowledge.specs_triage import FieldInfo, answer_fields

__all__ = ["Answers", "AnswersError", "parse_answers", "parse_datetime", "format_datetime"]

_RFC3339 = re.compile(
    r"(\d{4})-(0[1-9]|1[0-2])-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d+))?"
    r"(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII | re.IGNORECASE,  # RFC 3339 allows "t" and "z"
)


class AnswersError(ValueError):
    """Bad input. ``field`` names the answer (or option) and ``expected`` what it must be."""

    def __init__(self, field: str, expected: str, got: Any = ..., *, detail: str = "") -> None:
        self.field = field
        self.expected = expected
        self.got = got
        message = f"{field}: expected {expected}"
        if got is not ...:
            message += f", got {_show(got)}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "a JSON array"
    return "a JSON object" if isinstance(value, dict) else f"a {type(value).__name__}"


def parse_datetime(value: str) -> datetime | None:
    """An RFC 3339 date-time with an offset (``Z`` allowed) in the years 1900 to 2100
    (:mod:`backspasm.core.times`) → aware datetime, else None."""
    m = _RFC3339.fullmatch(value)
    if m is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        return None
    try:  # datetime refuses a day the month does not have (30 February)
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                        int(fraction[:6].ljust(6, "0")) if fraction else 0,
                        tzinfo=_zone(offset))
    except ValueError:
        return None


@lru_cache(maxsize=64)
def _zone(offset: str) -> tzinfo:
    """The fixed zone of an RFC 3339 offset (``Z``, ``+05:30``); a few are ever seen."""
    if offset in ("Z", "z"):
        return UTC
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return timezone(-delta if offset[0] == "-" else delta)


def format_datetime(value: datetime) -> str:
    """RFC 3339 with the offset kept (``+00:00`` rather than ``Z``)."""
    return value.isoformat()


@dataclass(frozen=True)
class Answers:
    """Validated answers. ``values`` holds the fields given (``onset`` as an aware datetime);
    ``now`` is always set (the answer's ``now`` or the caller's default)."""

    now: datetime
    values: Mapping[str, Any]
    now_given: bool = False

    def get(self, name: str, default: Any = None) -> Any:
        if name == "now":
            return self.now
        return self.values.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    @property
    def hours_since_onset(self) -> float | None:
        onset = self.values.get("onset")
        return None if onset is None else (self.now - onset).total_seconds() / 3600

    def to_dict(self) -> dict[str, Any]:
        """The answers in the contract's JSON form (date-times as RFC 3339), ``now`` included."""
        out: dict[str, Any] = {"now": format_datetime(self.now)}
        for k, v in self.values.items():
            out[k] = format_datetime(v) if isinstance(v, datetime) else v
        return out


def _check(info: FieldInfo, value: Any) -> Any:
    """The parsed value of one field, or raise AnswersError naming it."""
    name = info.name
    if info.kind == "boolean":
        if not isinstance(value, bool):
            raise AnswersError(name, "true or false", value)
        return value
    if info.kind == "integer":
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON Schema: 7.0 is an integer
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswersError(name, _range_words(info), value)
        if (info.minimum is not None and value < info.minimum) or (
            info.maximum is not None and value > info.maximum
        ):
            raise AnswersError(name, _range_words(info), value)
        return value
    if info.kind == "enum":
        assert info.enum is not None
        if not isinstance(value, str) or value not in info.enum:
            raise AnswersError(name, "one of " + ", ".join(f'"{v}"' for v in info.enum), value)
        return value
    if info.kind == "datetime":
        if not isinstance(value, str):
            raise AnswersError(name, "an RFC 3339 date-time with an offset", value)
        parsed = parse_datetime(value)
        if parsed is None:
            raise AnswersError(
                name,
                f"an RFC 3339 date-time with an offset {RANGE_TEXT}, "
                "like 2026-11-25T08:00:00+00:00",
                value,
            )
        return parsed
    raise AnswersError(name, f"a supported type, not {info.kind}")  # pragma: no cover


def _range_words(info: FieldInfo) -> str:
    if info.minimum is not None and info.maximum is not None:
        return f"a whole number from {info.minimum} to {info.maximum}"
    if info.minimum is not None:
        return f"a whole number of at least {info.minimum}"
    return "a whole number"


def parse_answers(raw: Any, *, default_now: datetime) -> Answers:
    """Validate ``raw`` (parsed JSON) strictly against the answers contract.

    ``default_now`` (aware) is used when ``raw`` has no ``now``. Raises :class:`AnswersError`
    for the first problem found, naming the field and what was expected.
    """
    if default_now.tzinfo is None or default_now.utcoffset() is None:
        raise ValueError("default_now must be an aware datetime")
    if not isinstance(raw, Mapping):
        raise AnswersError("answers", "a JSON object", raw)
    given = cast("Mapping[object, Any]", raw)  # parsed JSON: keys are strings, values anything
    fields = answer_fields()
    for key in given:
        if key not in fields:
            import difflib

            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see the list of answer fields"
            raise AnswersError(str(key), "a known answer field", detail=f"unknown field; {hint}")
    values: dict[str, Any] = {}
    for name, info in fields.items():
        if name in given:
            values[name] = _check(info, given[name])
    now = values.pop("now", None)
    now_given = now is not None
    if now is None:
        now = default_now
    onset = values.get("onset")
    if onset is not None and onset > now:
        raise AnswersError(
            "onset", f"a time not after now ({format_datetime(now)})", format_datetime(onset)
        )
    return Answers(now=now, values=MappingProxyType(values), now_given=now_given)
