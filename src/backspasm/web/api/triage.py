"""JSON API: ``POST /api/v1/triage``, the CLI's answers contract.

The body is checked by the validator the CLI uses (``core.answers.parse_answers``), not by
a pydantic model: the answers contract is shared (``answers.schema.json``), rejects
unknown fields and names the field in its messages exactly like the CLI.

In personal mode a request that triage answers is served by :class:`TriageFirst`, before
the router: the same function, without FastAPI's routing and per-request context (about
0.04 ms of a 0.25 ms request). Every request it does not answer with a result (bad
input, a failure) goes on to the route, which answers it as always.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backspasm.core.answers import AnswersError, parse_answers
from backspasm.knowledge import KNOWLEDGE_DIR, Knowledge
from backspasm.knowledge.vocabulary import LEVELS as TRIAGE_LEVELS
from backspasm.web.api.bodies import BODY_ERRORS, json_object
from backspasm.web.api.contract import YEARS_PATTERN
from backspasm.web.deps import get_optional_profile_id, read_db, request_now
from backspasm.web.errors import BadInput

router = APIRouter(tags=["api"])
PATH = "/api/v1/triage"


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
REGION_TEXT = (
    "Region for emergency numbers: GB, US or EU, for this request only. Default: your "
    "profile's region, else the one of your time zone (the server's when signed out).")


def _answers_error(exc: AnswersError) -> BadInput:
    return BadInput(exc.field, exc.expected, str(exc))


@router.post(
    PATH,
    summary="Triage: answers in, result out",
    description=(
        "The answers object of the contract (every field optional, unknown fields are an "
        "error) in; the level, every rule that fired with its sources, the care card and, "
        "unless it is an emergency, the self-care advice out. Same contract as "
        "`backspasm triage --answers FILE --json`."),
    responses={200: {"content": {"application/json": {"schema": TRIAGE_RESULT_SCHEMA}},
                     "description": "The triage result."}, **BODY_ERRORS},
    openapi_extra={
        "parameters": [{"name": "region", "in": "query", "required": False,
                        "description": REGION_TEXT, "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": _answers_schema()}}}},
)
async def api_triage(request: Request) -> Response:
    from backspasm.core.triage import triage

    # Nothing for FastAPI to solve: its first dependency costs a request about 0.02 ms and
    # each further one 0.005 ms, more than triage itself (bench/bench_speed.py). The same
    # values are read here: the region (documented in ``openapi_extra``), the knowledge,
    # the clock and the profile (deps.request_now, deps.get_optional_profile_id).
    state = request.app.state
    region = request.query_params.get("region")
    kb: Knowledge = state.kb
    now = await request_now(request)
    profile_id = await get_optional_profile_id(request)
    raw = await json_object(request)
    # The profile is read in a worker thread where a database read on the event loop would
    # hold every other request while it waits (PostgreSQL: a network round trip); on
    # personal SQLite here (deps.read_db), and kept until the diary changes (store/watch.py).
    profile = (None if profile_id is None
               else await read_db(request, state.store.kept_profile, profile_id))
    try:
        choice = _region_choice(request, kb, profile, region)
        answers = parse_answers(raw, default_now=now)
        result = triage(answers, kb, region=choice.id)
    except AnswersError as exc:
        raise _answers_error(exc) from None
    # Encoded at once: no copy of the care card and advice (TriageResult.to_dict).
    body = orjson.dumps({**result.to_dict(copy=False), "region_choice": choice.to_dict()})
    return Response(body, media_type="application/json")


def _region_choice(request: Request, kb: Knowledge, profile: Any,
                   override: str | None) -> Any:
    """``core.region.choose_region`` for an API request (``profile``: the person's, if any)."""
    from backspasm.core.region import choose_region

    if profile is not None:
        from backspasm.status import profile_region

        return profile_region(kb, profile, override)
    settings = request.app.state.settings
    return choose_region(kb, override=override, profile_region=settings.region,
                         tz=settings.timezone)


class TriageFirst:
    """Pure ASGI middleware (personal mode): ``POST /api/v1/triage`` answered by
    :func:`api_triage` before the router. It sits inside every other middleware (the host
    check, the security headers, :class:`~backspasm.web.auth.SameOrigin`). Anything but a
    result goes on to the route with the body read again (so the route makes every
    refusal, exactly as without this), and so does every request once the app's router
    has a dependency of its own (a guard this would skip)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST" \
                or scope["app"].router.dependencies:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            body = await request.body()
        except Exception:  # the client went: the route meets it too
            await self.app(scope, receive, send)
            return
        try:
            response = await api_triage(request)
        except Exception:
            await self.app(scope, _again(body, receive), send)
            return
        await response(scope, receive, send)


def _again(body: bytes, then: Receive) -> Receive:
    """A ``receive`` that gives the ``body`` already read, then what ``then`` gives (the
    client's disconnect)."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return again


def setup(app: FastAPI) -> None:
    """Install :class:`TriageFirst` in personal mode, innermost (after the guard,
    ``auth.setup``, which runs first)."""
    if not app.state.settings.multi_user:
        app.user_middleware.append(Middleware(TriageFirst))
