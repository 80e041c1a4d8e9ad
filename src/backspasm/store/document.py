"""The diary export document: its format, and the checks an import runs before writing.

The structure (fields, JSON types, what is required) is the JSON Schema
``diary-export.schema.json`` beside this module, checked with ``jsonschema``; the meaning
(vocabularies, ranges, time zones, times in the past, an end after its onset, at most one
open episode) is checked here in code with :mod:`backspasm.store.checks`. Either way the
error is an :class:`~backspasm.store.errors.ImportFormatError` naming the item, e.g.
``pain[12].score``, and nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from backspasm.core.times import RANGE_TEXT, in_range
from backspasm.store import records as r
from backspasm.store.checks import (
    MINUTES_MAX,
    choice,
    past,
    profile_values,
    text,
    tz_name,
    unsure_names,
    whole_number,
)
from backspasm.store.errors import ImportFormatError, StoreError

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

__all__ = ["EXPORT_FORMAT", "EXPORT_VERSION", "SCHEMA_FILE", "check_structure", "export_schema",
           "parse_document"]

EXPORT_FORMAT = "backspasm-diary"
EXPORT_VERSION = 1
SCHEMA_FILE = "diary-export.schema.json"
#: The lists of a document, in the order they are checked and written.
LISTS = ("episodes", "pain", "care", "triage")


# --- structure: the JSON Schema -----------------------------------------------------------

def export_schema() -> dict[str, Any]:
    """The JSON Schema of the export document (a fresh copy)."""
    return json.loads(files("backspasm.store").joinpath(SCHEMA_FILE).read_text("utf-8"))


@cache
def _validator() -> Validator:
    # Imported here, not at the top: jsonschema costs ~100 ms to import, and only an
    # import needs it (the CLI's start-up time is measured in bench/bench_speed.py).
    from jsonschema import Draft202012Validator

    return Draft202012Validator(export_schema())


#: How many levels of an item :func:`_shape` looks at: the item, its fields, and the
#: elements of a list field (``rules``). The item schemas constrain nothing deeper.
SHAPE_DEPTH = 3


def _shape(value: Any, depth: int = SHAPE_DEPTH) -> object:
    """What the item schemas can tell apart in a value: its keys and JSON types, down to
    ``depth`` levels (they hold only structural keywords, no values or ranges)."""
    if depth > 1 and isinstance(value, dict):
        return (dict, tuple((k, _shape(v, depth - 1)) for k, v in value.items()))
    if depth > 1 and isinstance(value, list):
        return (list, frozenset(_shape(v, depth - 1) for v in value))
    return type(value)


def _one_of_each_shape(items: list[Any]) -> tuple[list[Any], list[int]]:
    """The first item of each shape, in order, and their indexes in ``items``."""
    firsts: dict[object, int] = {}
    for i, item in enumerate(items):
        firsts.setdefault(_shape(item), i)
    order = list(firsts.values())
    return [items[i] for i in order], order


def _path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_TYPE_WORDS = {"object": "a JSON object", "array": "a list", "string": "text",
               "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "null": "null"}


def _format_error(error: ValidationError, indexes: dict[str, list[int]]) -> ImportFormatError:
    """The schema's complaint in the store's words: the path of the field at fault
    (``pain[12].score``), what was expected (the failing subschema's ``title``), the value."""
    where: list[str | int] = list(error.absolute_path)
    if len(where) >= 2 and isinstance(where[1], int) and where[0] in indexes:
        where[1] = indexes[str(where[0])][where[1]]  # back to the index in the document
    instance, keyword = error.instance, error.validator
    value: Any = error.validator_value  # the failing keyword's value in the schema
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    got = None if isinstance(instance, dict | list) else instance
    if keyword == "required" and isinstance(instance, dict):
        missing = sorted(set(value) - set(instance))[0]
        return ImportFormatError(_path([*where, missing]), "a value (it is required)")
    if keyword == "additionalProperties" and isinstance(instance, dict):
        extra = sorted(set(instance) - set(schema.get("properties", {})), key=str)[0]
        return ImportFormatError(_path([*where, extra]),
                                 "no such field" if where else "no such field in a diary export")
    if keyword == "const":
        return ImportFormatError(_path(where), json.dumps(value), got)
    if keyword == "type" and "title" in schema:
        expected = str(schema["title"])
    else:
        kinds = value if keyword == "type" else [schema.get("type", "value")]
        kinds = [kinds] if isinstance(kinds, str) else kinds
        expected = " or ".join(_TYPE_WORDS.get(str(k), str(k)) for k in kinds)
    return ImportFormatError(_path(where) or "document", expected, got)


def check_structure(doc: Any) -> None:
    """Raise :class:`ImportFormatError` for the first place where ``doc`` does not match
    the schema, in the schema's order: the document's type, ``format``, ``version``,
    ``profile``, the lists' items in order, then missing and unknown fields."""
    # Items of the same shape are equally valid, so the schema sees one of each: 100,000
    # pain entries through jsonschema took ~2-4 s here, more than the import itself.
    reduced: Any = doc
    indexes: dict[str, list[int]] = {}
    if isinstance(doc, dict):
        reduced = dict(doc)
        for key in LISTS:
            if isinstance(doc.get(key), list):
                reduced[key], indexes[key] = _one_of_each_shape(doc[key])
    error = next(iter(_validator().iter_errors(reduced)), None)
    if error is not None:
        raise _format_error(error, indexes)


# --- meaning: checks in code --------------------------------------------------------------

def parse_document(doc: Any, now: datetime) -> dict[str, Any]:
    """Check a whole export document; return insertable values or raise ImportFormatError."""
    check_structure(doc)

    def bad(err: StoreError, where: str) -> ImportFormatError:
        return ImportFormatError(f"{where}.{err.field}" if where else err.field, err.expected,
                                 err.got)

    def when(field: str, value: Any) -> datetime:
        if not isinstance(value, str):
            raise StoreError(field, "an RFC 3339 date-time string", value)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise StoreError(field, "an RFC 3339 date-time string", value) from None
        if parsed.tzinfo is not None and not in_range(parsed):
            raise StoreError(field, f"a date and time {RANGE_TEXT}", value)
        return past(field, parsed, now)

    def iso_date(field: str, value: Any) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise StoreError(field, "a date such as 1980-04-30", value) from None

    def hhmm(field: str, value: Any) -> time:
        try:
            return time.fromisoformat(value)
        except (TypeError, ValueError):
            raise StoreError(field, "a time of day such as 07:00", value) from None

    out: dict[str, Any] = {}
    p = doc["profile"]
    try:
        out["profile"] = profile_values(
            tz=tz_name(p["tz"]), wake=hhmm("wake", p["wake"]), sleep=hhmm("sleep", p["sleep"]),
            region=p["region"], age=p.get("age"), name=p.get("name"),
            birth_date=iso_date("birth_date", p.get("birth_date")))
    except StoreError as err:
        raise bad(err, "profile") from None

    def each(key: str, conv: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        values = []
        for i, item in enumerate(doc.get(key, [])):
            try:
                values.append(conv(item))
            except StoreError as err:
                raise bad(err, f"{key}[{i}]") from None
        out[key] = values

    def episode(x: dict[str, Any]) -> dict[str, Any]:
        onset = when("onset", x["onset"])
        ended = None if x.get("ended_at") is None else when("ended_at", x["ended_at"])
        if ended is not None and ended < onset:
            raise StoreError("ended_at", "a time after the onset", x["ended_at"])
        trig = x.get("trigger")
        return {"onset": onset, "ended_at": ended,
                "trigger": None if trig is None else choice("trigger", trig, r.TRIGGERS)}

    def pain(x: dict[str, Any]) -> dict[str, Any]:
        return {"at": when("at", x["at"]), "score": whole_number("score", x["score"], 0, 10),
                "note": text("note", x.get("note"))}

    def care(x: dict[str, Any]) -> dict[str, Any]:
        kind = choice("kind", x["kind"], r.CARE_KINDS)
        minutes = x.get("minutes")
        medicine = text("medicine", x.get("medicine"), 200)
        if kind == "medicine" and medicine is None:
            raise StoreError("medicine", "the name of the medicine taken")
        return {"kind": kind, "start": when("start", x["start"]),
                "minutes": None if minutes is None else whole_number("minutes", minutes, 1,
                                                                     MINUTES_MAX),
                "medicine": medicine, "note": text("note", x.get("note"))}

    def triage(x: dict[str, Any]) -> dict[str, Any]:
        if not x["level"]:
            raise StoreError("level", "a triage level", x["level"])
        return {"at": when("at", x["at"]), "answers": x["answers"], "level": x["level"],
                "rules": x["rules"], "knowledge_version": x["knowledge_version"],
                # "unsure" came later (migration 0005): optional, so older documents import.
                "unsure": unsure_names(x.get("unsure", []))}

    each("episodes", episode)
    each("pain", pain)
    each("care", care)
    each("triage", triage)
    if sum(1 for e in out["episodes"] if e["ended_at"] is None) > 1:
        raise ImportFormatError("episodes", "at most one open episode (without ended_at)")
    return out
