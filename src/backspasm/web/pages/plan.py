"""My plan: the phase, what to do now and next, today's timeline, the steps with their
evidence, and a button to start each timer. Works offline once visited (service worker)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backspasm.core.answers import parse_datetime
from backspasm.core.plan import Plan, Session, is_easing, make_plan, session_kind
from backspasm.knowledge import Knowledge
from backspasm.knowledge.formats import format_date, format_time, plural_words
from backspasm.status import diary_plan, episode_window, status_since
from backspasm.web.deps import get_kb, get_now, get_profile, get_profile_id
from backspasm.web.journey import Journey
from backspasm.web.kept import kept_response
from backspasm.web.templating import render
from backspasm.web.views import emergency_page, form_error, render_emergency, saved_journey

router = APIRouter(include_in_schema=False)
NAV = (20, "plan", "/plan")

#: Longest ago a spasm may have started for the onset form (90 days), in hours.
MAX_ONSET_HOURS = 24 * 90


def _guidance(data: Any, journey: Journey | None) -> Any:
    """What ``views.page_guidance`` decides, from the diary read once (``Store.overview``)
    and the journey already read."""
    from backspasm.status import overview_guidance
    from backspasm.web.views import journey_on_screen

    return overview_guidance(data, on_screen=journey_on_screen(journey))


def _person(data: Any) -> dict[str, Any]:
    """The person facts of the latest saved triage (``DiaryLink.person``)."""
    from backspasm.core.fit import person_facts

    saved = data.latest_triage
    return {} if saved is None else person_facts(saved.answers, saved.unsure)


@lru_cache(maxsize=4096)
def _clock(dt: datetime, zone: tzinfo | None) -> str:
    # Cached (Babel takes tens of µs a value): the text depends only on the instant and
    # its zone, both in the key (equal instants in other zones hash alike).
    return format_time(dt)


@lru_cache(maxsize=1024)
def _day(day: date) -> str:
    return format_date(day, "day_long")


#: ``plural_words`` (the template's ``plural`` filter, through Babel) once per distinct
#: number and words: ``{{ plural_once(hours, "{n} hour", "{n} hours") }}``.
_plural_once = lru_cache(maxsize=1024)(plural_words)


def _item(kb: Knowledge, s: Session, now: datetime) -> dict[str, Any]:
    zone = s.start.tzinfo
    shown, shown_end = s.shown_start, s.shown_end
    return {"kind": s.kind, "title": session_kind(kb, s.kind)["title"],
            "start": _clock(shown, zone), "end": _clock(shown_end, zone),
            "planned_start": _clock(s.start, zone),
            "iso": shown.isoformat(), "day": _day(shown.date()), "status": s.status,
            # The planned start names the session in the Done form (never in a URL).
            "key": s.start.astimezone(UTC).isoformat(),
            "loggable": s.planned and s.status in ("due", "upcoming")
            and s.kind in kb.vocabulary.care_kind_of,
            "past": shown_end <= now, "current": shown <= now < shown_end,
            "timer": kb.vocabulary.timer_of.get(s.kind)}


def _timers(kb: Knowledge, phase: str) -> list[dict[str, str]]:
    """The timers of ``phase`` (built once per loaded knowledge)."""
    def build(kb: Knowledge) -> dict[str, list[dict[str, str]]]:
        return {p["id"]: [{"slug": slug, "title": session_kind(kb, kind)["title"]}
                          for kind, slug in kb.vocabulary.timer_of.items()
                          if session_kind(kb, kind).get("phase") == p["id"]]
                for p in kb["plan"]["phases"]}

    return kb.compile("web.plan.timers", build)[phase]


def _view(kb: Knowledge, plan: Plan, now: datetime) -> dict[str, Any]:
    """What the page shows. Only the sessions shown (the one due, the next two, today's)
    are put into words: a plan holds a week of them."""
    zone_now = now.astimezone(plan.sessions[0].start.tzinfo) if plan.sessions else plan.now
    assert zone_now is not None
    today_date = zone_now.date()
    items: dict[int, dict[str, Any]] = {}

    def item(i: int) -> dict[str, Any]:
        if i not in items:
            items[i] = _item(kb, plan.sessions[i], now)
        return items[i]

    sessions = plan.sessions
    today = [item(i) for i, s in enumerate(sessions) if s.shown_start.date() == today_date]
    # The session due now: one that can be done and ticked off first (a check-in has no
    # timer and nothing to log; it stays in today's list).
    due = sorted((i for i, s in enumerate(sessions) if s.status == "due"),
                 key=lambda i: sessions[i].kind not in kb.vocabulary.care_kind_of)
    later = [i for i, s in enumerate(sessions) if s.status == "upcoming"]
    phases = {p["id"]: p for p in kb["plan"]["phases"]}
    return {
        "phase": phases[plan.phase], "hours": int(plan.hours_since_onset),
        "now_item": item(due[0]) if due else None,
        "next_items": [item(i) for i in later[:2]],
        "today": today, "today_label": _day(today_date), "timers": _timers(kb, plan.phase),
        "recovery_from": (f"{_day(plan.recovery_from.date())} at "
                          f"{_clock(plan.recovery_from, plan.recovery_from.tzinfo)}"
                          if plan.recovery_from and plan.recovery_from > now else None),
        "tz": plan.timezone,
    }


def _page_sources(kb: Knowledge, steps: list[dict[str, Any]], phase: dict[str, Any]) -> list[str]:
    out: list[str] = list(phase.get("sources", []))
    for st in steps:
        for sid in [*st["sources"], *[s for e in st.get("evidence", []) for s in e["sources"]]]:
            if sid not in out:
                out.append(sid)
    return out


def _steps_html(request: Request, kb: Knowledge, plan: Plan, region: str) -> Markup:
    """The "What to do" steps (``plan_steps.html``), rendered once per set of steps: the
    steps shown are fully determined by their ids and the region (whose words fill them)
    in the loaded knowledge, and none of them depends on the person beyond which are kept."""
    cache: dict[tuple[str, tuple[str, ...], str], Markup] = kb.compile(
        "web.plan.steps_html", lambda _kb: {})
    key = (plan.phase, tuple(st["id"] for st in plan.steps), region)
    html = cache.get(key)
    if html is None:
        template = request.app.state.templates.get_template("plan_steps.html")
        html = Markup(template.render(steps=plan.steps, all_sources=kb.sources))
        if len(cache) < 256:  # a handful of phases x fits x regions: never reached in practice
            cache[key] = html
    return html


def _signs(request: Request, kb: Knowledge,
           region: str | None) -> tuple[Markup, tuple[str, ...]]:
    """The emergency-signs card (``_signs.html``, H1) and the sources it cites, rendered
    once per region: the card is generated from the loaded knowledge and the region alone."""
    from backspasm.web.views import emergency_signs_context

    cache: dict[str, tuple[Markup, tuple[str, ...]]] = kb.compile("web.plan.signs_html",
                                                                  lambda _kb: {})
    kept = None if region is None else cache.get(region)
    if kept is None:
        es = emergency_signs_context(kb, region)
        template = request.app.state.templates.get_template("plan_signs.html")
        html = Markup(template.render(emergency_signs_for_request=lambda: es,
                                      all_sources=kb.sources))
        kept = (html, tuple(es["page_sources"]))
        # None: the server's region, which the settings decide; regions are a few ids.
        if region is not None and len(cache) < 64:
            cache[region] = kept
    return kept


@router.get("/plan", response_class=HTMLResponse)
async def plan_page(request: Request, kb: Knowledge = Depends(get_kb),
                    profile_id: int = Depends(get_profile_id),
                    now: datetime = Depends(get_now)) -> Response:
    # Kept until the diary changes or the minute turns (web/kept.py); else worked out in a
    # worker thread: 2 ms of work would hold the loop (deps.read_db).
    return await kept_response(request, now, lambda: run_in_threadpool(
        _plan_page, request, kb, profile_id, now))


def _plan_page(request: Request, kb: Knowledge, profile_id: int,
               now: datetime) -> HTMLResponse:
    from backspasm.web.diary_link import profile_settings_of

    journey = saved_journey(request, profile_id, now)  # its answers and result on screen
    # One read transaction for the whole page: the profile, the episodes, the latest saved
    # triage, the pain that status reads and the open episode's care (the plan follows it).
    data = request.app.state.store.overview(profile_id, pain_since=status_since(kb, now), now=now,
                                            window=episode_window(now))
    profile = getattr(request.state, "profile_settings", None)
    if profile is None:  # kept for the emergency-signs card (deps.get_profile)
        profile = request.state.profile_settings = profile_settings_of(data.profile, kb)
    g = _guidance(data, journey)
    if g.emergency:  # core.guidance: no plan beside an emergency (H4)
        from backspasm.core.guidance import emergency_view

        return render_emergency(request, kb, emergency_view(kb, g, region=profile["region"],
                                                            now=now), profile)
    answers: dict[str, Any] = {} if journey is None else journey.answers
    onset = data.current.onset if data.current is not None else None
    if onset is None and isinstance(answers.get("onset"), str):
        onset = parse_datetime(answers["onset"])
    if onset is None:
        return render(request, "plan_onset.html", {"error": None,
                                                   "value": ""})
    if data.current is not None:  # the diary's plan, as `backspasm plan` and the calendar
        plan = diary_plan(data, kb, now, person=_person(data), region=profile["region"])
    else:  # an onset from the journey only: no diary to follow yet
        easing = is_easing(kb, answers.get("pain_now"), answers.get("pain_trend"))
        plan = make_plan(kb, onset=onset, now=max(now, onset), tz=profile["tz"],
                         wake=profile["wake"], sleep=profile["sleep"], easing=easing,
                         person=_person(data), region=profile["region"])
    view = _view(kb, plan, now)
    state = request.app.state
    signed_out = state.settings.multi_user and getattr(request.state, "user", None) is None
    signs, signs_sources = _signs(request, kb,
                                  state.settings.region if signed_out else profile["region"])
    sources = _page_sources(kb, plan.steps, view["phase"])
    # The footer lists the card's sources after the page's own (base.html's signs_in_page).
    sources += [sid for sid in signs_sources if sid not in sources]
    return render(request, "plan.html", {
        **view, "diary": data.current is not None,
        "steps_html": _steps_html(request, kb, plan, profile["region"]),
        "signs_html": signs, "page_sources": sources, "plural_once": _plural_once})


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


@router.post("/plan/done", response_class=HTMLResponse)
def session_done(request: Request, kind: str = Form(""), start: str = Form(""),
                 csrf_token: str = Form(""), kb: Knowledge = Depends(get_kb),
                 profile_id: int = Depends(get_profile_id),
                 profile: dict = Depends(get_profile),
                 now: datetime = Depends(get_now)) -> Response:
    """"Done" on a due or upcoming session: log it in the diary (as the timer would) and
    show the plan again, re-anchored on it. A session already done is not logged twice."""
    from starlette.exceptions import HTTPException

    shown = emergency_page(request, kb, profile_id, profile, now)
    if shown is not None:
        return shown
    store = request.app.state.store
    data = store.overview(profile_id, pain_since=status_since(kb, now), now=now,
                          window=episode_window(now))
    care = kb.vocabulary.care_kind_of.get(kind)
    if data.current is None or care is None:
        raise HTTPException(422, form_error(kb, "plan_done", "session"))
    plan = diary_plan(data, kb, now)
    target = next((s for s in plan.sessions if s.planned and s.kind == kind
                   and s.start.astimezone(UTC).isoformat() == start), None)
    if target is None:
        raise HTTPException(422, form_error(kb, "plan_done", "session"))
    if target.status in ("due", "upcoming"):
        length = target.end.astimezone(UTC) - target.start.astimezone(UTC)
        # Done now: it ran for its planned length up to now, not before its planned start
        # (so it ticks this session off) nor before the onset.
        began = now - length
        if target.start <= now:
            began = max(began, target.start.astimezone(UTC))
        began = max(began, data.current.onset)
        request.app.state.diary.log_care(profile_id, kind=care, start=began,
                                         minutes=round(length.total_seconds() / 60))
    return RedirectResponse("/plan#now", status_code=303)
