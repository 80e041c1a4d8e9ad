"""My plan: the phase, what to do now and next, today's timeline, the steps with their
evidence, and a button to start each timer. Works offline once visited (service worker)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backspasm.core.answers import parse_datetime
from backspasm.core.plan import is_easing, make_plan, session_kind
from backspasm.knowledge import Knowledge
from backspasm.knowledge.formats import format_date, format_time
from backspasm.web.deps import get_kb, get_now, get_profile, get_profile_id
from backspasm.web.templating import render
from backspasm.web.views import emergency_page, form_error, saved_journey

router = APIRouter(include_in_schema=False)
NAV = (20, "plan", "/plan")

#: Longest ago a spasm may have started for the onset form (90 days), in hours.
MAX_ONSET_HOURS = 24 * 90


def _journey_answers(request: Request, profile_id: int, now: datetime) -> dict[str, Any]:
    journey = saved_journey(request, profile_id, now)  # read once with the guidance's
    return {} if journey is None else journey.answers


def _onset(request: Request, profile_id: int, answers: dict[str, Any]) -> datetime | None:
    onset = request.app.state.diary.current_onset(profile_id)
    if onset is None and isinstance(answers.get("onset"), str):
        onset = parse_datetime(answers["onset"])
    return onset


def _clock(dt: datetime) -> str:
    return format_time(dt)


def _day(dt: datetime) -> str:
    return format_date(dt, "day_long")


def _view(kb: Knowledge, plan: Any, now: datetime) -> dict[str, Any]:
    zone_now = now.astimezone(plan.sessions[0].start.tzinfo) if plan.sessions else plan.now
    kinds = {k: session_kind(kb, k) for k in {s.kind for s in plan.sessions}}

    def item(s: Any) -> dict[str, Any]:
        return {"kind": s.kind, "title": kinds[s.kind]["title"], "start": _clock(s.start),
                "end": _clock(s.end), "iso": s.start.isoformat(), "day": _day(s.start),
                "past": s.end <= now, "current": s.start <= now < s.end,
                "timer": kb.vocabulary.timer_of.get(s.kind)}

    items = [item(s) for s in plan.sessions]
    today = [i for i, s in zip(items, plan.sessions, strict=True)
             if s.start.date() == zone_now.date()]
    upcoming = [i for i in items if not i["past"]]
    phases = {p["id"]: p for p in kb["plan"]["phases"]}
    timers = [{"slug": slug, "title": session_kind(kb, kind)["title"]}
              for kind, slug in kb.vocabulary.timer_of.items()
              if session_kind(kb, kind).get("phase") == plan.phase]
    return {
        "phase": phases[plan.phase], "hours": int(plan.hours_since_onset),
        "now_item": upcoming[0] if upcoming and upcoming[0]["current"] else None,
        "next_items": [i for i in upcoming if not i["current"]][:2],
        "today": today, "today_label": _day(zone_now), "timers": timers,
        "recovery_from": (f"{_day(plan.recovery_from)} at {_clock(plan.recovery_from)}"
                          if plan.recovery_from and plan.recovery_from > now else None),
        "steps": plan.steps, "tz": plan.timezone,
    }


def _page_sources(kb: Knowledge, steps: list[dict[str, Any]], phase: dict[str, Any]) -> list[str]:
    out: list[str] = list(phase.get("sources", []))
    for st in steps:
        for sid in [*st["sources"], *[s for e in st.get("evidence", []) for s in e["sources"]]]:
            if sid not in out:
                out.append(sid)
    return out


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, kb: Knowledge = Depends(get_kb),
              profile_id: int = Depends(get_profile_id), profile: dict = Depends(get_profile),
              now: datetime = Depends(get_now)) -> HTMLResponse:
    shown = emergency_page(request, kb, profile_id, profile, now)
    if shown is not None:  # core.guidance: no plan beside an emergency (H4)
        return shown
    answers = _journey_answers(request, profile_id, now)
    onset = _onset(request, profile_id, answers)
    if onset is None:
        return render(request, "plan_onset.html", {"error": None,
                                                   "value": ""})
    easing = is_easing(kb, answers.get("pain_now"), answers.get("pain_trend"))
    plan = make_plan(kb, onset=onset, now=now, tz=profile["tz"], wake=profile["wake"],
                     sleep=profile["sleep"], easing=easing,
                     person=request.app.state.diary.person(profile_id),
                     region=profile["region"])
    view = _view(kb, plan, now)
    return render(request, "plan.html", {**view,
                                         "page_sources": _page_sources(kb, plan.steps,
                                                                       view["phase"])})


@router.post("/plan/onset", response_class=HTMLResponse)
def set_onset(request: Request, hours: str = Form(""), csrf_token: str = Form(""),
              kb: Knowledge = Depends(get_kb), profile_id: int = Depends(get_profile_id),
              profile: dict = Depends(get_profile),
              now: datetime = Depends(get_now)) -> Response:
    """Start an episode from "how many hours ago did it start?" (no triage needed)."""
    shown = emergency_page(request, kb, profile_id, profile, now)
    if shown is not None:
        return shown
    value = hours.strip()
    if not (value.isascii() and value.isdigit() and 0 <= int(value) <= MAX_ONSET_HOURS):
        return render(request, "plan_onset.html", {
            "value": value[:20],
            "error": form_error(kb, "onset", "hours", maximum=MAX_ONSET_HOURS)}, status_code=422)
    request.app.state.diary.start_episode(profile_id, now - timedelta(hours=int(value)))
    return RedirectResponse("/plan", status_code=303)
