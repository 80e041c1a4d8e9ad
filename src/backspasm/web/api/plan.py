"""JSON API: ``POST /api/v1/plan``, the care plan for an onset (same as ``plan --json``)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Depends, Request
from pydantic import Field, WithJsonSchema
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from backspasm.core.times import RANGE_TEXT
from backspasm.knowledge import Knowledge
from backspasm.web.api.bodies import (
    AS_CLOCK,
    AS_DATETIME,
    BODY_ERRORS,
    Body,
    json_object,
    request_body,
    validate,
)
from backspasm.web.api.contract import date_time
from backspasm.web.deps import get_kb, get_now, get_optional_profile_id
from backspasm.web.errors import BadInput, problem_response

router = APIRouter(tags=["api"])

HHMM = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
_DATETIME = (f"an RFC 3339 date-time with an offset {RANGE_TEXT}, "
             "e.g. 2026-11-25T08:00:00+00:00")
#: The person fields (answers contract): the steps are fitted to the person.
PERSON = ("pregnant", "age", "osteoporosis_or_steroids")


class PlanIn(Body):
    # The person fields and wake/sleep may be left out but not be null; days, easing and
    # age may be null (the default).

    onset: Annotated[datetime, AS_DATETIME, WithJsonSchema({
        **date_time("When the spasm started; not after `now`", past=False),
        "x-not-after": "the now field, else the current time"})]
    now: Annotated[datetime | None, AS_DATETIME, WithJsonSchema(
        date_time("The moment to plan from; default: the current time", past=False))] = None
    tz: Annotated[str, WithJsonSchema(
        {"type": "string", "description": "IANA time zone, e.g. Europe/London."})]
    wake: Annotated[time | None, AS_CLOCK, WithJsonSchema({
        "type": "string", "pattern": HHMM,
        "description": "Start of waking hours (HH:MM); default 07:00; not equal to sleep."})] = None
    sleep: Annotated[time | None, AS_CLOCK, WithJsonSchema({
        "type": "string", "pattern": HHMM,
        "description": "End of waking hours (HH:MM); default 22:00; not equal to wake; "
        "before wake: awake across midnight."})] = None
    days: Annotated[int | None, Field(ge=1, le=28), WithJsonSchema({
        "type": "integer", "minimum": 1, "maximum": 28,
        "description": "Plan horizon in days from onset; default 7."})] = None
    easing: Annotated[bool | None, WithJsonSchema({
        "type": ["boolean", "null"],
        "description": "Pain easing (trend better or pain 3 or less): adds stretching."})] = None
    pregnant: Annotated[bool, WithJsonSchema(
        {"type": "boolean", "description": "Pregnant: no NSAID advice."})] = False
    age: Annotated[int | None, Field(ge=0, le=120), WithJsonSchema({
        "type": "integer", "minimum": 0, "maximum": 120,
        "description": "Age in years: under 16, no adult medicine advice."})] = None
    osteoporosis_or_steroids: Annotated[bool, WithJsonSchema({
        "type": "boolean",
        "description": "Fragile bones or long-term steroids: no bending-forward stretches."}),
    ] = False
    EXPECTED: ClassVar[dict[str, str]] = {
        "onset": "when the spasm started, as " + _DATETIME, "now": _DATETIME,
        "tz": "an IANA time zone name such as Europe/London",
        "wake": "a time of day as HH:MM, e.g. 07:00",
        "sleep": "a time of day as HH:MM, e.g. 22:00",
        "days": "a whole number of days from 1 to 28", "easing": "true, false or null",
        "pregnant": "true or false", "age": "a whole number of years from 0 to 120",
        "osteoporosis_or_steroids": "true or false"}


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




def plan_from_body(body: PlanIn, kb: Knowledge, now: datetime) -> dict[str, Any]:
    """The plan contract for a checked request (raises :class:`BadInput`)."""
    from backspasm.core.plan import PlanError, make_plan

    person = {k: getattr(body, k) for k in PERSON if k in body.model_fields_set}
    try:
        plan = make_plan(kb, onset=body.onset, now=body.now or now, tz=body.tz,
                         wake=body.wake, sleep=body.sleep, days=body.days,
                         easing=body.easing, person=person)
    except PlanError as exc:
        raise BadInput(exc.field, exc.expected, str(exc)) from None
    return plan.to_dict()


@router.post(
    "/api/v1/plan",
    summary="Care plan: onset in, phase, steps and timed sessions out",
    description="Same contract as `backspasm plan --json`. After an emergency result in "
    "your diary the answer is 409 (field `plan`): no self-care plan beside an emergency.",
    responses={200: {"content": {"application/json": {"schema": PLAN_SCHEMA}},
                     "description": "The care plan."}, **BODY_ERRORS,
               409: problem_response("Your last triage result was an emergency: no plan.")},
    openapi_extra=request_body(PlanIn),
)
async def api_plan(
    request: Request,
    kb: Knowledge = Depends(get_kb),
    now: datetime = Depends(get_now),
    profile_id: int | None = Depends(get_optional_profile_id),
) -> JSONResponse:
    plan = plan_from_body(validate(PlanIn, await json_object(request)), kb, now)
    if profile_id is not None:
        from backspasm.status import diary_guidance

        # Read in a worker thread: a database read on the event loop holds every request.
        guidance = await run_in_threadpool(diary_guidance, request.app.state.store, profile_id)
        if guidance.emergency:  # H4
            raise BadInput("plan", "no self-care plan: your last check said to get emergency "
                           "help", status=409)
    return JSONResponse(plan)
