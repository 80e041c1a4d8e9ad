"""What the JSON API enforces, said in its OpenAPI document.

Request schemas use these pieces, and :func:`install` refines the generated document with
what only the running app knows (the regions of the knowledge, the time-zone names) and
answers ``405`` with every method of the path in ``Allow``. What JSON Schema cannot say
(a time not in the future, onset not after now, wake before sleep) is in the descriptions
and under ``x-backspasm-rules``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI

from backspasm.core.times import ID_MAX, RANGE_TEXT

#: The years the app accepts (core.times), as a pattern over RFC 3339 text.
YEARS_PATTERN = "^(19[0-9]{2}|20[0-9]{2}|2100)-"
#: Text fields hold no NUL (the store refuses it, naming the field).
NO_NUL = "^[^\\u0000]*$"
NOT_FUTURE = "not in the future (up to 2 minutes ahead is allowed for clock drift)"


def date_time(description: str, *, past: bool = True,
              nullable: bool = False) -> dict[str, Any]:
    """An RFC 3339 date-time with an offset, in the years 1900 to 2100 (``null``: the
    default, when ``nullable``)."""
    words = f"RFC 3339 date-time with an offset, {RANGE_TEXT}"
    if past:
        words += ", " + NOT_FUTURE
    out: dict[str, Any] = {"type": ["string", "null"] if nullable else "string",
                           "format": "date-time", "pattern": YEARS_PATTERN,
                           "description": f"{description} ({words})."}
    if past:
        out["x-not-after"] = "now"
    return out


def text(max_length: int, *, nullable: bool = True) -> dict[str, Any]:
    return {"type": ["string", "null"] if nullable else "string", "maxLength": max_length,
            "pattern": NO_NUL}


RECORD_ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}


def _walk_parameters(schema: dict[str, Any]):
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            for param in op.get("parameters", []):
                yield path, method, param


def refine(schema: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    """Add what the app knows at run time to the generated OpenAPI document."""
    from zoneinfo import available_timezones

    kb = app.state.kb
    regions = [r["id"] for r in kb.data["regions"]["regions"]]
    for _path, _method, param in _walk_parameters(schema):
        name, s = param.get("name"), param.setdefault("schema", {})
        if name == "region":
            s.update({"type": "string", "enum": regions})
            s.pop("maxLength", None)
        elif name in ("since", "until"):
            s.update({"type": "string", "format": "date-time", "pattern": YEARS_PATTERN})
            s.pop("anyOf", None)
        elif name in ("episode_id", "entry_id"):
            s.update(RECORD_ID)
    plan = (schema.get("paths", {}).get("/api/v1/plan", {}).get("post", {})
            .get("requestBody", {}).get("content", {}).get("application/json", {}))
    if "schema" in plan:
        plan["schema"]["properties"]["tz"]["enum"] = sorted(available_timezones())
    return schema


def install(app: FastAPI) -> None:
    """Serve the refined document (built once) and a complete ``Allow`` on 405."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = refine(original(), app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: Any, scope: Mapping[str, Any]) -> list[str]:
    """Every method the OpenAPI document lists for ``scope``'s path (for ``Allow`` on a 405;
    Starlette names only the first matching route's). Empty when the path is not in it."""
    import re

    path = scope.get("path", "")
    methods: set[str] = set()
    for template, item in app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            methods |= {m.upper() for m in item if m in _METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
