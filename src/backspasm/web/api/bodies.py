"""JSON request bodies of the API: read strictly, then validated by a pydantic model.

:func:`json_object` reads the body as the contract says (``application/json``, at most
64 KB, at most 16 levels deep, an object, no NUL or lone surrogate in any string, ``2.0``
counts as the integer 2, as in JSON Schema). :func:`validate` checks it against a strict
pydantic model (``extra="forbid"``) and turns the first problem into
:class:`~backspasm.web.errors.BadInput` naming the field and what was expected there, so
the whole request is refused before anything is written. :func:`request_body` puts the
model's JSON Schema into the OpenAPI document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, time
from typing import Any, ClassVar, TypeVar

from fastapi import HTTPException, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from backspasm.core.answers import parse_datetime
from backspasm.core.json_text import DuplicateField, unique_object
from backspasm.core.times import RANGE_TEXT, parse_clock
from backspasm.web.errors import BadInput, problem_response

__all__ = ["MAX_BODY", "MAX_DEPTH", "Body", "json_object", "validate", "request_body",
           "AsText", "AS_DATETIME", "AS_DATETIME_OR_NULL", "AS_CLOCK", "DATETIME_EXPECTED",
           "BODY_ERRORS"]

#: Largest request body accepted (the answers object is well under 2 KB).
MAX_BODY = 64 * 1024
#: Deepest nesting of arrays and objects a body may have (ours need 2).
MAX_DEPTH = 16
#: The documented errors of a route with a JSON body.
BODY_ERRORS = {
    413: problem_response("The body is larger than 64 KB."),
    415: problem_response("The body is not `application/json`."),
    422: problem_response(
        "Invalid input: not JSON, not an object, an unknown field, a wrong type or value. "
        "`field` names the input at fault and `expected` says what it must be."),
}
DATETIME_EXPECTED = (f"an RFC 3339 date-time with an offset {RANGE_TEXT}, "
                     "e.g. 2026-11-25T08:00:00Z")


def _date_time(value: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(DATETIME_EXPECTED)
    return parsed


def _clock(value: str) -> time:
    """``HH:MM`` (a time of day)."""
    clock = parse_clock(value)
    if clock is None:
        raise ValueError("HH:MM")
    return clock


class AsText:
    """Field metadata: the field arrives as a JSON string that ``parse`` turns into its
    value (the project's own parsers), before the model checks it."""

    def __init__(self, parse: Callable[[str], Any], *, nullable: bool = False) -> None:
        self.parse = parse
        self.nullable = nullable


#: An RFC 3339 date-time with an offset in the years the app accepts...
AS_DATETIME = AsText(_date_time)
#: ...or null (the route's default).
AS_DATETIME_OR_NULL = AsText(_date_time, nullable=True)
#: A time of day as ``HH:MM``.
AS_CLOCK = AsText(_clock)


class Body(BaseModel):
    """A request body: unknown fields and wrong JSON types are refused (strict)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    #: What each field must be, in the words of the error (``expected``).
    EXPECTED: ClassVar[dict[str, str]] = {}


M = TypeVar("M", bound=Body)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "true or false" if isinstance(value, bool) else "a number"


def _number(text: str) -> float | int:
    """A JSON number with a fraction or exponent: ``2.0`` is the integer 2, as JSON Schema
    counts it (``integer`` fields accept it); ``2.5`` stays a fraction and is refused."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


#: A lone UTF-16 surrogate (the JSON parser lets ``"\\ud800"`` through as one).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _too_deep(body: bytes) -> bool:
    """True when ``body`` nests arrays/objects deeper than :data:`MAX_DEPTH` (checked
    before parsing: the parser would recurse once per level and could exhaust the stack)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:  # the depth never exceeds these
        return False
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _check_text(value: Any, field: str) -> None:
    """Refuse strings (and keys) the store and the pages cannot hold: a lone UTF-16
    surrogate (``"\\ud800"``, not a character) or a NUL, naming the field."""
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{field}.{key}" if field else str(key)
            _check_text(key, name)
            _check_text(item, name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_text(item, f"{field}.{i}" if field else str(i))
    elif isinstance(value, str):
        name = field or "body"
        if "\x00" in value:
            raise BadInput(name, "text without NUL characters (\\u0000)",
                           f"{name}: contains a NUL character (\\u0000); remove it")
        if _SURROGATE.search(value):
            raise BadInput(name, "text of valid Unicode characters",
                           f"{name}: contains a lone surrogate (\\ud800-\\udfff), "
                           "which is not a character")


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object (413, 415 or :class:`BadInput` otherwise)."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"body: expected at most {MAX_BODY // 1024} KB")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/")
                                            and media.endswith("+json")):
        raise HTTPException(415, "content-type: expected application/json")
    if _too_deep(body):
        raise BadInput("body", f"a JSON object nested at most {MAX_DEPTH} levels deep")
    try:
        value = json.loads(body, parse_float=_number, object_pairs_hook=unique_object)
    except DuplicateField as exc:  # the parser would keep the last (json_text.py)
        raise BadInput(exc.name, "each field once",
                       f"{exc.name}: given more than once; give each field once") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadInput("body", "a JSON object", "body: expected a JSON object "
                       "(the body is not valid JSON)") from None
    if not isinstance(value, dict):
        raise BadInput("body", "a JSON object",
                       "body: expected a JSON object, got " + _json_kind(value))
    # In UTF-8 text a NUL or a lone surrogate can only come from a \u escape (the parser
    # refuses a raw NUL, and UTF-8 cannot carry a surrogate); a body in UTF-16 or UTF-32
    # (the parser reads those too) has NUL bytes and is checked throughout.
    if b"\\u" in body or b"\x00" in body:
        _check_text(value, "")
    return value


def validate(model: type[M], raw: dict[str, Any]) -> M:
    """``raw`` as ``model``, or :class:`BadInput` for its first problem (an unknown field
    first, then the fields in the model's order)."""
    allowed = list(model.model_fields)
    unknown = [key for key in raw if key not in model.model_fields]
    if unknown:
        names = ", ".join(allowed)
        raise BadInput(unknown[0], f"no such field (allowed: {names})",
                       f"{unknown[0]}: unknown field (allowed: {names})")
    values = dict(raw)
    for name, info in model.model_fields.items():
        as_text = next((m for m in info.metadata if isinstance(m, AsText)), None)
        if as_text is None or name not in values:
            continue
        value = values[name]
        if value is None and as_text.nullable:
            continue
        try:
            if not isinstance(value, str):
                raise ValueError
            values[name] = as_text.parse(value)
        except ValueError:
            raise BadInput(name, model.EXPECTED.get(name, DATETIME_EXPECTED)) from None
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        top = str(first["loc"][0]) if first["loc"] else "body"
        raise BadInput(field, model.EXPECTED.get(top, first["msg"])) from None


def request_body(model: type[Body], *, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` for a route whose body is ``model``: its JSON Schema."""
    schema = model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        prop.pop("default", None)  # absent means "not given", as in the answers contract
    return {"requestBody": {"required": required,
                            "content": {"application/json": {"schema": schema}}}}
