"""Timers for ice, heat and contrast showers.

Without JavaScript the page says plainly when the session ends ("Ends at 07:20") and has a
button to log it. With JavaScript (static/timer.js) a large countdown runs, computed from the
start time so it keeps time while the phone sleeps; it pauses and resumes, asks whether to log
the minutes done when stopped early, can raise a browser notification at the end (asked for
only when the person turns it on), and beeps, vibrates and logs the session when time is up
(queued on the device while offline). The page's words are ``timer.*`` in pages.yaml.
The lengths come from plan.yaml only: no request can change them. Tests shorten every
stage with the app setting ``Settings.timer_stage_seconds``.
After an emergency result (``core.guidance``) the pages show the emergency card instead.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from backspasm.core.answers import parse_datetime
from backspasm.core.plan import session_kind, timer_stages
from backspasm.knowledge import Knowledge
from backspasm.knowledge.formats import format_time
from backspasm.knowledge.messages import say, words
from backspasm.web.deps import get_kb, get_now, get_profile, get_profile_id
from backspasm.web.errors import BadInput
from backspasm.web.templating import render
from backspasm.web.views import emergency_page, form_error

router = APIRouter(include_in_schema=False)

#: A timer started longer ago than this cannot be logged from the page.
MAX_AGE = timedelta(hours=12)


def _kind(kb: Knowledge, slug: str) -> tuple[str, str]:
    """Timer page slug → (session kind in the plan, care kind in the diary)."""
    kind = kb.vocabulary.session_of_timer(slug)
    if kind is None:
        raise HTTPException(404)
    return kind, kb.vocabulary.care_kind_of[kind]


def _stages(kb: Knowledge, kind: str, seconds: int | None) -> list[dict[str, Any]]:
    stages = timer_stages(kb, kind)
    return [{"name": s.name, "seconds": float(seconds) if seconds else s.seconds,
             "prompt": s.prompt} for s in stages]


def _say(key: str, **values: Any) -> str:
    return say(f"timer.{key}", stem="pages", **values)


def script_words(slug: str) -> dict[str, Any]:
    """The words static/timer.js shows, from pages.yaml (plurals as their ``one``/``other``
    forms; the script picks one with the browser's plural rules)."""
    texts = words("pages")["timer"]
    keys = ("pause", "resume", "stop", "paused", "running", "ask_log", "log_yes", "log_no",
            "stopped", "saving", "saved", "queued", "retry", "notify_on", "notify_off",
            "notify_ready", "notify_blocked", "notify_title", "notify_stage")
    picked = {key: texts[key] for key in keys}
    picked["what"] = texts.get(f"what_{slug}", slug)
    return picked


def _context(request: Request, kb: Knowledge, slug: str) -> dict[str, Any]:
    kind, _ = _kind(kb, slug)
    info = session_kind(kb, kind)
    stages = _stages(kb, kind, request.app.state.settings.timer_stage_seconds)
    total = sum(s["seconds"] for s in stages)
    minutes = round(total / 60)
    texts = words("pages")["timer"]
    return {"slug": slug, "info": info, "stages": stages, "total": total,
            "stages_json": json.dumps(stages), "seconds": "",
            "words_json": json.dumps(script_words(slug)), "words": texts,
            "length_text": say_length("length", minutes),
            "start_text": say_length("start", minutes),
            "minutes": minutes, "page_sources": list(info["sources"])}


def say_length(key: str, minutes: float) -> str:
    from backspasm.knowledge.messages import say_n

    return say_n(f"timer.{key}", minutes, stem="pages")


@router.get("/timer/{slug}", response_class=HTMLResponse)
def timer_page(request: Request, slug: str, kb: Knowledge = Depends(get_kb),
               profile_id: int = Depends(get_profile_id), profile: dict = Depends(get_profile),
               now: datetime = Depends(get_now)) -> HTMLResponse:
    ctx = _context(request, kb, slug)
    shown = emergency_page(request, kb, profile_id, profile, now)
    if shown is not None:  # core.guidance: no timers beside an emergency (H4)
        return shown
    return render(request, "timer.html", {"title": ctx["info"]["title"], **ctx,
                                          "started": None, "logged": None})


def _local(dt: datetime, tz: str) -> str:
    return format_time(dt, tz=ZoneInfo(tz))


@router.post("/timer/{slug}/start", response_class=HTMLResponse)
def start_timer(request: Request, slug: str, csrf_token: str = Form(""),
                kb: Knowledge = Depends(get_kb), profile_id: int = Depends(get_profile_id),
                profile: dict = Depends(get_profile),
                now: datetime = Depends(get_now)) -> HTMLResponse:
    """Without JavaScript: show the start and end times and a button to log the session."""
    ctx = _context(request, kb, slug)
    shown = emergency_page(request, kb, profile_id, profile, now)
    if shown is not None:
        return shown
    end = now + timedelta(seconds=ctx["total"])
    started = {"iso": now.isoformat(),
               "start": _say("started_at", time=_local(now, profile["tz"])),
               "end": _say("ends_at", time=_local(end, profile["tz"]))}
    return render(request, "timer.html", {"title": ctx["info"]["title"], **ctx,
                                          "started": started, "logged": None})


def _started_at(value: str, now: datetime, kb: Knowledge) -> datetime:
    started = parse_datetime(value) if value else None
    if started is None:
        raise BadInput("started_at", form_error(kb, "timer", "started_at"))
    if started > now + timedelta(minutes=1):
        raise BadInput("started_at", form_error(kb, "timer", "started_in_future"))
    if started < now - MAX_AGE:
        raise BadInput("started_at", form_error(kb, "timer", "started_too_long_ago"))
    return min(started, now)


def _minutes_done(value: str, kb: Knowledge) -> float | None:
    """The ``minutes`` field: empty (the whole time since the start), or a number above 0."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not (number > 0 and number < 24 * 60):  # also refuses nan and inf
        raise BadInput("minutes", form_error(kb, "timer", "minutes"))
    return number


@router.post("/timer/{slug}/done", response_class=HTMLResponse)
def timer_done(request: Request, slug: str, started_at: str = Form(""),
               minutes: str = Form(""), csrf_token: str = Form(""),
               kb: Knowledge = Depends(get_kb),
               profile_id: int = Depends(get_profile_id), profile: dict = Depends(get_profile),
               now: datetime = Depends(get_now)) -> Response:
    """Log a session in the diary, finished or stopped early. The length is the time since
    the start, at most the planned length (plan.yaml); ``minutes`` (the minutes the timer
    ran, without its pauses) can only shorten it, never lengthen it."""
    _, care_kind = _kind(kb, slug)
    ctx = _context(request, kb, slug)
    started = _started_at(started_at.strip()[:64], now, kb)
    ran = _minutes_done(minutes.strip()[:16], kb)
    elapsed = min((now - started).total_seconds(), ctx["total"])
    if ran is not None:
        elapsed = min(elapsed, ran * 60)
    entry = request.app.state.diary.log_care(profile_id, care_kind, started, elapsed / 60)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"logged": True, "kind": entry.kind, "minutes": entry.minutes})
    shown = emergency_page(request, kb, profile_id, profile, now)
    if shown is not None:  # logged (it happened), but no timer page beside an emergency
        return shown
    return render(request, "timer.html", {"title": ctx["info"]["title"], **ctx,
                                          "started": None, "logged": entry})
