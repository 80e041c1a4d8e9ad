"""JSON API for the diary: episodes, pain and care entries, and status, under /api/v1.

Each request sees only its own profile (``deps.get_profile_id``): another person's id is
404, exactly like an id that does not exist. Bodies are pydantic models (``api/bodies.py``:
strict, unknown fields are an error); errors are ``application/problem+json`` naming the field, and
nothing is written when anything is wrong. In multi-user mode, writes need the session's
CSRF token in ``X-CSRF-Token`` (see ``GET /api/v1/session``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator, ConfigDict, Field, JsonValue, WithJsonSchema
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from backspasm.core.answers import parse_datetime
from backspasm.knowledge import Knowledge, load_knowledge
from backspasm.web.api.bodies import (
    AS_DATETIME_OR_NULL,
    DATETIME_EXPECTED,
    Body,
    json_object,
    request_body,
    validate,
)
from backspasm.web.api.contract import date_time, text
from backspasm.web.deps import get_kb, get_now, get_profile_id
from backspasm.web.errors import BadInput, problem_response
from backspasm.web.kept import kept_response

router = APIRouter(tags=["diary"])

_DT = {"type": "string", "format": "date-time"}
EPISODE = {"type": "object", "required": ["id", "onset", "ended_at", "trigger"], "properties": {
    "id": {"type": "integer"}, "onset": _DT, "ended_at": {**_DT, "type": ["string", "null"]},
    "trigger": {"type": ["string", "null"]}}}
PAIN = {"type": "object", "required": ["id", "at", "score", "note"], "properties": {
    "id": {"type": "integer"}, "at": _DT, "score": {"type": "integer", "minimum": 0,
                                                   "maximum": 10},
    "note": {"type": ["string", "null"]}}}
CARE = {"type": "object", "required": ["id", "kind", "start", "minutes", "medicine", "note"],
        "properties": {"id": {"type": "integer"}, "kind": {"type": "string"}, "start": _DT,
                       "minutes": {"type": ["integer", "null"]},
                       "medicine": {"type": ["string", "null"]},
                       "note": {"type": ["string", "null"]}}}

E401 = problem_response("Multi-user mode, and no signed-in session (send the session cookie).")
E403 = problem_response("Missing or wrong CSRF token (`X-CSRF-Token`), or a request from "
                        "another web site.")
E404 = problem_response("No such record for you (records of other people count as absent).")
E409 = problem_response("Clashes with what is stored, e.g. an episode is already open.")
E413 = problem_response("The body is larger than 64 KB.")
E415 = problem_response("The body is not `application/json`.")
E422 = problem_response("Invalid input: `field` names the input at fault, `expected` says "
                        "what it must be. Nothing was written.")
READ = {401: E401, 403: E403, 422: E422}
WRITE = {401: E401, 403: E403, 409: E409, 413: E413, 415: E415, 422: E422}


def _ok(schema: dict[str, Any], description: str, status: int = 200) -> dict[int, Any]:
    return {status: {"description": description,
                     "content": {"application/json": {"schema": schema}}}}


def _fmt(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat().replace("+00:00", "Z")


def episode_json(e: Any) -> dict[str, Any]:
    return {"id": e.id, "onset": _fmt(e.onset), "ended_at": _fmt(e.ended_at),
            "trigger": e.trigger}


def pain_json(p: Any) -> dict[str, Any]:
    return {"id": p.id, "at": _fmt(p.at), "score": p.score, "note": p.note}


def care_json(c: Any) -> dict[str, Any]:
    return {"id": c.id, "kind": c.kind, "start": _fmt(c.start), "minutes": c.minutes,
            "medicine": c.medicine, "note": c.note}


def _query_time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise BadInput(name, DATETIME_EXPECTED)
    return parsed


async def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking store call off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


# --- episodes -------------------------------------------------------------------------------

TRIGGERS = ("lifting", "twisting", "sport", "sudden_movement", "fall", "unknown")


class EpisodeIn(Body):
    onset: Annotated[datetime | None, AS_DATETIME_OR_NULL, WithJsonSchema(date_time(
        "When the spasm started; default (absent or null): now", nullable=True))] = None
    trigger: Annotated[
        Literal["lifting", "twisting", "sport", "sudden_movement", "fall", "unknown"] | None,
        WithJsonSchema({"type": ["string", "null"], "enum": [*TRIGGERS, None]})] = None
    EXPECTED: ClassVar[dict[str, str]] = {
        "onset": DATETIME_EXPECTED, "trigger": "one of " + ", ".join(TRIGGERS) + ", or null"}


class EndIn(Body):
    at: Annotated[datetime | None, AS_DATETIME_OR_NULL, WithJsonSchema(date_time(
        "When it ended; default (absent or null): now. Not before the episode's "
        "onset: an end before it clashes with what is stored (409)", nullable=True))] = None
    EXPECTED: ClassVar[dict[str, str]] = {"at": DATETIME_EXPECTED}


@router.get("/api/v1/episodes", summary="Your episodes, oldest first",
            responses={**_ok({"type": "object", "properties": {
                "episodes": {"type": "array", "items": EPISODE}}}, "The episodes."), **READ})
async def list_episodes(request: Request,
                        profile_id: int = Depends(get_profile_id)) -> JSONResponse:
    eps = await _call(request.app.state.store.episodes, profile_id)
    return JSONResponse({"episodes": [episode_json(e) for e in eps]})


@router.post("/api/v1/episodes", status_code=201, summary="Start an episode",
             description="At most one episode is open at a time (409 otherwise).",
             responses={**_ok(EPISODE, "The new episode.", 201), **WRITE},
             openapi_extra=request_body(EpisodeIn))
async def start_episode(request: Request, profile_id: int = Depends(get_profile_id),
                        now: datetime = Depends(get_now)) -> JSONResponse:
    body = validate(EpisodeIn, await json_object(request))
    ep = await _call(request.app.state.store.start_episode, profile_id,
                     onset=body.onset or now, trigger=body.trigger)
    return JSONResponse(episode_json(ep), status_code=201)


@router.post("/api/v1/episodes/current/end", summary="End the open episode",
             responses={**_ok(EPISODE, "The ended episode."), **WRITE},
             openapi_extra=request_body(EndIn, required=False))
async def end_episode(request: Request, profile_id: int = Depends(get_profile_id),
                      now: datetime = Depends(get_now)) -> JSONResponse:
    body = validate(EndIn, await json_object(request) if await request.body() else {})
    ep = await _call(request.app.state.store.end_episode, profile_id, at=body.at or now)
    return JSONResponse(episode_json(ep))


@router.get("/api/v1/episodes/{episode_id}", summary="One episode with its entries",
            responses={**_ok({"type": "object", "properties": {
                "episode": EPISODE, "pain": {"type": "array", "items": PAIN},
                "care": {"type": "array", "items": CARE}}}, "The episode."),
                **READ, 404: E404})
async def get_episode(request: Request, episode_id: int,
                      profile_id: int = Depends(get_profile_id),
                      now: datetime = Depends(get_now)) -> JSONResponse:
    from datetime import timedelta

    store = request.app.state.store
    ep = await _call(store.get_episode, profile_id, episode_id)
    diary = await _call(store.diary, profile_id, since=ep.onset,
                        until=(ep.ended_at or now) + timedelta(seconds=1))
    return JSONResponse({"episode": episode_json(ep),
                         "pain": [pain_json(p) for p in diary.pain],
                         "care": [care_json(c) for c in diary.care]})


# --- pain and care entries ------------------------------------------------------------------

CARE_KINDS = tuple(load_knowledge().vocabulary.care_kinds)  # plan.yaml care_kinds
_OTHER_KINDS = [kind for kind in CARE_KINDS if kind != "medicine"]


MEDICINE_RULE: list[JsonValue] = [
    {"properties": {"kind": {"const": "medicine"}, "medicine": {
        "type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*\\S[^\\u0000]*$"}},
     "required": ["kind", "medicine"]},
    {"properties": {"kind": {"enum": list(_OTHER_KINDS)}, "medicine": {"type": "null"}},
     "required": ["kind"]}]


def _care_kind(kind: str) -> str:
    if kind not in CARE_KINDS:
        raise ValueError("a care kind")
    return kind


class PainIn(Body):
    score: Annotated[int, Field(ge=0, le=10)]
    at: Annotated[datetime | None, AS_DATETIME_OR_NULL, WithJsonSchema(date_time(
        "When; default (absent or null): now", nullable=True))] = None
    note: Annotated[str | None, WithJsonSchema(text(2000))] = None
    EXPECTED: ClassVar[dict[str, str]] = {
        "score": "a whole number from 0 to 10", "at": DATETIME_EXPECTED,
        "note": "text of at most 2000 characters, or null"}


class CareIn(Body):
    kind: Annotated[str, AfterValidator(_care_kind), WithJsonSchema({"enum": list(CARE_KINDS)})]
    start: Annotated[datetime | None, AS_DATETIME_OR_NULL, WithJsonSchema(date_time(
        "When it started; default (absent or null): now", nullable=True))] = None
    minutes: Annotated[int | None, Field(ge=1, le=1440), WithJsonSchema(
        {"type": ["integer", "null"], "minimum": 1, "maximum": 1440})] = None
    medicine: Annotated[str | None, WithJsonSchema({
        **text(200), "description": "The medicine's name: needed when, and only when, "
        "kind is medicine."})] = None
    note: Annotated[str | None, WithJsonSchema(text(2000))] = None
    EXPECTED: ClassVar[dict[str, str]] = {
        "kind": "one of " + ", ".join(CARE_KINDS), "start": DATETIME_EXPECTED,
        "minutes": "a whole number of minutes from 1 to 1440, or null",
        "medicine": "the medicine's name (at most 200 characters), or null",
        "note": "text of at most 2000 characters, or null"}
    # The medicine rule (checked by the store): a name (not only spaces) with kind
    # medicine, none otherwise.
    model_config = ConfigDict(json_schema_extra={"oneOf": MEDICINE_RULE})


RANGE = {"since": Query(None, description="RFC 3339 date-time: entries at or after it.",
                        max_length=64),
         "until": Query(None, description="RFC 3339 date-time: entries before it.",
                        max_length=64)}


@router.get("/api/v1/pain", summary="Your pain scores, oldest first",
            responses={**_ok({"type": "object", "properties": {
                "pain": {"type": "array", "items": PAIN}}}, "The pain scores."), **READ})
async def list_pain(request: Request, since: str | None = RANGE["since"],
                    until: str | None = RANGE["until"],
                    profile_id: int = Depends(get_profile_id)) -> JSONResponse:
    entries = await _call(request.app.state.store.pain_entries, profile_id,
                          since=_query_time(since, "since"), until=_query_time(until, "until"))
    return JSONResponse({"pain": [pain_json(p) for p in entries]})


@router.post("/api/v1/pain", status_code=201, summary="Log a pain score (0 to 10)",
             responses={**_ok(PAIN, "The new entry.", 201), **WRITE},
             openapi_extra=request_body(PainIn))
async def log_pain(request: Request, profile_id: int = Depends(get_profile_id),
                   now: datetime = Depends(get_now)) -> JSONResponse:
    body = validate(PainIn, await json_object(request))
    entry = await _call(request.app.state.store.log_pain, profile_id, score=body.score,
                        at=body.at or now, note=body.note)
    return JSONResponse(pain_json(entry), status_code=201)


@router.get("/api/v1/care", summary="Your care sessions, oldest first",
            responses={**_ok({"type": "object", "properties": {
                "care": {"type": "array", "items": CARE}}}, "The care sessions."), **READ})
async def list_care(request: Request, since: str | None = RANGE["since"],
                    until: str | None = RANGE["until"],
                    profile_id: int = Depends(get_profile_id)) -> JSONResponse:
    entries = await _call(request.app.state.store.care_entries, profile_id,
                          since=_query_time(since, "since"), until=_query_time(until, "until"))
    return JSONResponse({"care": [care_json(c) for c in entries]})


@router.post("/api/v1/care", status_code=201, summary="Log a care session",
             responses={**_ok(CARE, "The new entry.", 201), **WRITE},
             openapi_extra=request_body(CareIn))
async def log_care(request: Request, profile_id: int = Depends(get_profile_id),
                   now: datetime = Depends(get_now)) -> JSONResponse:
    body = validate(CareIn, await json_object(request))
    from backspasm.core.limits import check_care_minutes
    from backspasm.core.plan import PlanError

    try:
        check_care_minutes(request.app.state.kb, body.kind, body.minutes)
    except PlanError as exc:
        raise BadInput(exc.field, exc.expected, str(exc)) from None
    entry = await _call(request.app.state.store.log_care, profile_id, kind=body.kind,
                        start=body.start or now, minutes=body.minutes,
                        medicine=body.medicine, note=body.note)
    return JSONResponse(care_json(entry), status_code=201)


@router.delete("/api/v1/pain/{entry_id}", status_code=204, summary="Remove a pain score",
               responses={204: {"description": "Removed."}, **READ, 404: E404})
async def delete_pain(request: Request, entry_id: int,
                      profile_id: int = Depends(get_profile_id)) -> Response:
    await _call(request.app.state.store.delete_entry, profile_id, "pain", entry_id)
    return Response(status_code=204)


@router.delete("/api/v1/care/{entry_id}", status_code=204, summary="Remove a care session",
               responses={204: {"description": "Removed."}, **READ, 404: E404})
async def delete_care(request: Request, entry_id: int,
                      profile_id: int = Depends(get_profile_id)) -> Response:
    await _call(request.app.state.store.delete_entry, profile_id, "care", entry_id)
    return Response(status_code=204)


# --- status -------------------------------------------------------------------------------

STATUS = {"type": "object", "required": ["level", "rose", "new_reasons", "shows"], "properties": {
    "shows": {"enum": ["plan", "emergency", "no_episode", "episode_ended"],
              "description": "What may be shown now (core.guidance): after an emergency "
                             "result, the care card and no plan."},
    "region": {"type": "object", "description": "Whose numbers: id, name, source "
                                                "(override, profile, time_zone, default)."},
    "now": _DT, "timezone": {"type": "string"},
    "episode": {"type": ["object", "null"]},
    "pain": {"type": "object"}, "episodes_recent": {"type": "integer"},
    "level": {"type": "string"}, "previous_level": {"type": "string"},
    "rose": {"type": "boolean", "description": "More urgent than the last saved triage."},
    "new_reasons": {"type": "array", "items": {"type": "object"}},
    "care_card": {"type": "object"}, "knowledge_version": {"type": "string"}}}


@router.get("/api/v1/status", summary="Where you are now, and the warnings your diary raises",
            description=("Triage run again with the diary's facts (hours since onset, the "
                         "latest pain, the 24-hour trend, recent episodes) merged into your "
                         "last saved answers: `rose` says whether the level went up, "
                         "`new_reasons` why. Same as `backspasm status --json`, in spirit."),
            responses={**_ok(STATUS, "The status."), **READ})
async def status(request: Request, kb: Knowledge = Depends(get_kb),
                 profile_id: int = Depends(get_profile_id),
                 now: datetime = Depends(get_now)) -> Response:
    from backspasm.status import episode_window, status_of, status_since

    store = request.app.state.store

    def build() -> dict[str, Any]:  # one read transaction (with the care the plan follows)
        return status_of(store.overview(profile_id, pain_since=status_since(kb, now), now=now,
                                        window=episode_window(now)), kb, now)

    async def work_out() -> JSONResponse:  # 2 ms: in a worker thread (deps.read_db)
        return JSONResponse(await _call(build))

    return await kept_response(request, now, work_out)  # web/kept.py
