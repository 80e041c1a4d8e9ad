"""JSON API: ``POST /api/v1/triage`` (the CLI's answers contract) and ``POST /api/v1/plan``.

Bodies are parsed here, strictly, rather than by pydantic: the answers contract rejects
unknown fields and wants messages that name the field, exactly like the CLI.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import HTMLResponse, JSONResponse

from backspasm.core.answers import AnswersError, parse_answers, parse_datetime
from backspasm.core.times import RANGE_TEXT, parse_clock
from backspasm.knowledge import KNOWLEDGE_DIR, Knowledge
from backspasm.knowledge.vocabulary import LEVELS as TRIAGE_LEVELS
from backspasm.web.api.contract import YEARS_PATTERN, date_time
from backspasm.web.deps import get_kb, get_now, get_optional_profile_id
from backspasm.web.errors import BadInput, problem_response
from backspasm.web.templating import render

router = APIRouter(tags=["api"])

#: Largest request body accepted (the answers object is well under 2 KB).
MAX_BODY = 64 * 1024

ERRORS = {
    413: problem_response("The body is larger than 64 KB."),
    415: problem_response("The body is not `application/json`."),
    422: problem_response(
        "Invalid input: not JSON, not an object, an unknown field, a wrong type or value. "
        "`field` names the input at fault and `expected` says what it must be."),
}


@lru_cache(maxsize=1)
def _answers_schema() -> dict[str, Any]:
    """The answers contract, plus what the server checks beyond it: date-times in the
    years 1900 to 2100, onset not after now (the ``now`` field, else the current time)."""
    raw = json.loads((KNOWLEDGE_DIR / "answers.schema.json").read_text("utf-8"))
    schema = {k: v for k, v in raw.items() if not k.startswith("$")}
    for name in ("onset", "now"):
        field = schema["properties"].get(name)
        if field and field.get("format") == "date-time":
            field["pattern"] = YEARS_PATTERN
    if "onset" in schema["properties"]:
        schema["properties"]["onset"]["x-not-after"] = "the now field, else the current time"
    return schema


REASON_SCHEMA = {
    "type": "object", "required": ["rule", "level", "text", "sources"],
    "properties": {"rule": {"type": "string"}, "level": {"type": "string"},
                   "text": {"type": "string"},
                   "sources": {"type": "array", "items": {"type": "string"}},
                   "unsure": {"type": "array", "items": {"type": "string"},
                              "description": "The 'not sure' answers this rule fired on; "
                                             "then text reads them back as not sure."}},
}
LEVELS = list(TRIAGE_LEVELS)
TRIAGE_RESULT_SCHEMA = {
    "type": "object", "required": ["level", "reasons", "knowledge_version"],
    "properties": {
        "level": {"enum": LEVELS},
        "reasons": {"type": "array", "items": REASON_SCHEMA},
        "knowledge_version": {"type": "string"},
        "care_card": {"type": "object"},
        "unsure": {"type": "array", "items": {"type": "string"}},
        "phase": {"enum": ["acute", "recovery", None]},
        "hours_since_onset": {"type": ["number", "null"]},
        "advice": {"type": "array", "items": {"type": "object"}},
    },
}
HHMM = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
PLAN_REQUEST_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["onset", "tz"],
    "properties": {
        "onset": {**date_time("When the spasm started; not after `now`", past=False),
                  "x-not-after": "the now field, else the current time"},
        "now": date_time("The moment to plan from; default: the current time", past=False),
        "tz": {"type": "string", "description": "IANA time zone, e.g. Europe/London."},
        "wake": {"type": "string", "pattern": HHMM,
                 "description": "Start of waking hours (HH:MM); default 07:00; before sleep."},
        "sleep": {"type": "string", "pattern": HHMM,
                  "description": "End of waking hours (HH:MM); default 22:00; after wake."},
        "days": {"type": "integer", "minimum": 1, "maximum": 28,
                 "description": "Plan horizon in days from onset; default 7."},
        "easing": {"type": ["boolean", "null"],
                   "description": "Pain easing (trend better or pain 3 or less): adds stretching."},
        # The person fields (answers contract): the steps are fitted to the person.
        "pregnant": {"type": "boolean", "description": "Pregnant: no NSAID advice."},
        "age": {"type": "integer", "minimum": 0, "maximum": 120,
                "description": "Age in years: under 16, no adult medicine advice."},
        "osteoporosis_or_steroids": {
            "type": "boolean",
            "description": "Fragile bones or long-term steroids: no bending-forward stretches."},
    },
}
PLAN_SCHEMA = {
    "type": "object",
    "required": ["phase", "hours_since_onset", "timezone", "sessions", "steps",
                 "knowledge_version"],
    "properties": {
        "phase": {"enum": ["acute", "recovery"]},
        "hours_since_onset": {"type": "number"},
        "timezone": {"type": "string"},
        "sessions": {"type": "array", "items": {
            "type": "object", "required": ["kind", "start", "end"],
            "properties": {"kind": {"type": "string"},
                           "start": {"type": "string", "format": "date-time"},
                           "end": {"type": "string", "format": "date-time"}}}},
        "steps": {"type": "array", "items": {"type": "object"}},
        "knowledge_version": {"type": "string"},
    },
}


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "true or false" if isinstance(value, bool) else "a number"


async def _json_object(request: Request) -> dict[str, Any]:
    from fastapi import HTTPException

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
        value = json.loads(body, parse_float=_number)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadInput("body", "a JSON object", "body: expected a JSON object "
                       "(the body is not valid JSON)") from None
    if not isinstance(value, dict):
        raise BadInput("body", "a JSON object",
                       "body: expected a JSON object, got " + _json_kind(value))
    _check_text(value, "")
    return value


def _number(text: str) -> float | int:
    """A JSON number with a fraction or exponent: ``2.0`` is the integer 2, as JSON Schema
    counts it (``integer`` fields accept it); ``2.5`` stays a fraction and is refused."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


#: Deepest nesting of arrays and objects a body may have (ours need 2).
MAX_DEPTH = 16


def _too_deep(body: bytes) -> bool:
    """True when ``body`` nests arrays/objects deeper than :data:`MAX_DEPTH` (checked
    before parsing: the parser would recurse once per level and could exhaust the stack)."""
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
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            raise BadInput(name, "text of valid Unicode characters",
                           f"{name}: contains a lone surrogate (\\ud800-\\udfff), "
                           "which is not a character")


def _answers_error(exc: AnswersError) -> BadInput:
    return BadInput(exc.field, exc.expected, str(exc))


@router.post(
    "/api/v1/triage",
    summary="Triage: answers in, result out",
    description=(
        "The answers object of the contract (every field optional, unknown fields are an "
        "error) in; the level, every rule that fired with its sources, the care card and, "
        "unless it is an emergency, the self-care advice out. Same contract as "
        "`backspasm triage --answers FILE --json`."),
    responses={200: {"content": {"application/json": {"schema": TRIAGE_RESULT_SCHEMA}},
                     "description": "The triage result."}, **ERRORS},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": _answers_schema()}}}},
)
async def api_triage(
    request: Request,
    region: str | None = Query(
        None, max_length=8,
        description="Region for emergency numbers: GB, US or EU, for this request only. "
        "Default: your profile's region, else the one of your time zone (the server's "
        "when signed out)."),
    kb: Knowledge = Depends(get_kb),
    now: datetime = Depends(get_now),
    profile_id: int | None = Depends(get_optional_profile_id),
) -> JSONResponse:
    from backspasm.core.triage import triage

    raw = await _json_object(request)
    try:
        choice = _region_choice(request, kb, profile_id, region)
        answers = parse_answers(raw, default_now=now)
        result = triage(answers, kb, region=choice.id)
    except AnswersError as exc:
        raise _answers_error(exc) from None
    return JSONResponse({**result.to_dict(), "region_choice": choice.to_dict()})


def _region_choice(request: Request, kb: Knowledge, profile_id: int | None,
                   override: str | None) -> Any:
    """``core.region.choose_region`` for an API request."""
    from backspasm.core.region import choose_region

    if profile_id is not None:
        from backspasm.status import profile_region

        return profile_region(kb, request.app.state.store.get_profile(profile_id), override)
    settings = request.app.state.settings
    return choose_region(kb, override=override, profile_region=settings.region,
                         tz=settings.timezone)


def _datetime(raw: dict[str, Any], name: str) -> datetime | None:
    value = raw.get(name)
    if value is None and name not in raw:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise BadInput(name, f"an RFC 3339 date-time with an offset {RANGE_TEXT}, "
                       "e.g. 2026-11-25T08:00:00+00:00")
    return parsed


def _hhmm(raw: dict[str, Any], name: str) -> time | None:
    if name not in raw:
        return None
    value = raw[name]
    clock = parse_clock(value) if isinstance(value, str) else None
    if clock is None:
        raise BadInput(name, "a time of day as HH:MM, e.g. 07:00")
    return clock


def plan_from_body(raw: dict[str, Any], kb: Knowledge, now: datetime) -> dict[str, Any]:
    """Validate a plan request and return the plan contract (raises :class:`BadInput`)."""
    from backspasm.core.plan import PlanError, make_plan

    allowed = PLAN_REQUEST_SCHEMA["properties"]
    for key in raw:
        if key not in allowed:
            raise BadInput(key, "no such field (allowed: " + ", ".join(allowed) + ")",
                           f"{key}: unknown field (allowed: {', '.join(allowed)})")
    onset = _datetime(raw, "onset")
    if onset is None:
        raise BadInput("onset", "when the spasm started, as an RFC 3339 date-time with offset")
    if "tz" not in raw:
        raise BadInput("tz", "an IANA time zone name such as Europe/London")
    days = raw.get("days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)):
        raise BadInput("days", "a whole number of days")
    easing = raw.get("easing")
    if easing is not None and not isinstance(easing, bool):
        raise BadInput("easing", "true, false or null")
    for key in ("pregnant", "osteoporosis_or_steroids"):
        if key in raw and not isinstance(raw[key], bool):
            raise BadInput(key, "true or false")
    age = raw.get("age")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int)
                            or not 0 <= age <= 120):
        raise BadInput("age", "a whole number of years from 0 to 120")
    person = {k: raw[k] for k in ("pregnant", "age", "osteoporosis_or_steroids") if k in raw}
    try:
        plan = make_plan(kb, onset=onset, now=_datetime(raw, "now") or now, tz=raw["tz"],
                         wake=_hhmm(raw, "wake"), sleep=_hhmm(raw, "sleep"), days=days,
                         easing=easing, person=person)
    except PlanError as exc:
        raise BadInput(exc.field, exc.expected, str(exc)) from None
    return plan.to_dict()


@router.post(
    "/api/v1/plan",
    summary="Care plan: onset in, phase, steps and timed sessions out",
    description="Same contract as `backspasm plan --json`. After an emergency result in "
    "your diary the answer is 409 (field `plan`): no self-care plan beside an emergency.",
    responses={200: {"content": {"application/json": {"schema": PLAN_SCHEMA}},
                     "description": "The care plan."}, **ERRORS,
               409: problem_response("Your last triage result was an emergency: no plan.")},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": PLAN_REQUEST_SCHEMA}}}},
)
async def api_plan(
    request: Request,
    kb: Knowledge = Depends(get_kb),
    now: datetime = Depends(get_now),
    profile_id: int | None = Depends(get_optional_profile_id),
) -> JSONResponse:
    raw = await _json_object(request)
    plan = plan_from_body(raw, kb, now)
    if profile_id is not None:
        from backspasm.status import diary_guidance

        if diary_guidance(request.app.state.store, profile_id).emergency:  # H4
            raise BadInput("plan", "no self-care plan: your last check said to get emergency "
                           "help", status=409)
    return JSONResponse(plan)


@router.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The API reference, rendered here from the OpenAPI document (no CDN, no script)."""
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            ops.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "params": op.get("parameters", []),
                "body": {ct: json.dumps(v.get("schema", {}), indent=2) for ct, v in body.items()},
                "responses": [
                    (code, r.get("description", ""), ", ".join(r.get("content", {})))
                    for code, r in sorted(op.get("responses", {}).items())],
            })
    return render(request, "api_docs.html", {"title": "API", "spec": spec, "ops": ops})
