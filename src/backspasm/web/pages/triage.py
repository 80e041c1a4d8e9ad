"""The triage journey: Start → one question per page → Check your answers → result.

A warning-sign answer ends the journey at once on an interruption page, whether it was
answered fresh or by a change on "Check your answers": every route asks the core
(``core.flow.journey_state``) where the journey stands and only shows its own page when
that says so. The answers are kept on the server (journey.py), keyed by an opaque cookie:
never in URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backspasm.core.answers import AnswersError, parse_datetime
from backspasm.core.flow import (
    NOT_SURE,
    JourneyState,
    Outcome,
    Question,
    apply_answer,
    journey_state,
    notices,
    question,
)
from backspasm.core.progress import progress
from backspasm.knowledge import Knowledge
from backspasm.knowledge.messages import say_n
from backspasm.web.auth import cookie_name
from backspasm.web.deps import (
    get_kb,
    get_now,
    get_optional_profile_id,
    get_profile,
    profile_id_of,
    read_db,
)
from backspasm.web.guest import (
    GUEST,
    guest_profile,
    in_diary,
    keep_result,
    load_journey,
    owner,
    signed_out,
    with_form_cookie,
)
from backspasm.web.journey import COOKIE, Journey
from backspasm.web.kept import kept_response
from backspasm.web.regions import call_line, region_info
from backspasm.web.templating import render
from backspasm.web.views import (
    card,
    emergency_signs_context,
    question_error,
    record_or_note,
    render_emergency,
    server_region,
    sources_of,
)

router = APIRouter(include_in_schema=False)
NAV = (10, "check", "/")


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _key(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request, COOKIE))


def _save(request: Request, profile_id: int | None, journey: Journey, now: datetime) -> None:
    key = _key(request)
    assert key is not None  # only called once a journey was loaded with this key
    request.app.state.journeys.save(key, owner(profile_id), journey, now)


def _state(journey: Journey, kb: Knowledge, now: datetime, region: str | None) -> JourneyState:
    """The one decision (core.flow.journey_state) every route below follows: each route
    shows its page only when the state says so, else redirects to where the state says.
    So no chain of redirects can loop: the page a redirect names always shows."""
    return journey_state(journey.answers, kb, now=now, unsure=journey.unsure, region=region)


@dataclass
class Walk:
    """What a journey route works with: the person, the moment and their journey
    (``None``: no journey under this cookie, so the route goes back to the start)."""

    request: Request
    kb: Knowledge
    profile_id: int | None  # None: signed out in multi-user mode (nothing is saved)
    profile: dict[str, Any]
    now: datetime
    journey: Journey | None

    def state(self, journey: Journey) -> JourneyState:
        return _state(journey, self.kb, self.now, self.profile["region"])

    def save(self, journey: Journey) -> None:
        _save(self.request, self.profile_id, journey, self.now)


def get_walk(request: Request, kb: Knowledge = Depends(get_kb),
             profile_id: int | None = Depends(get_optional_profile_id),
             now: datetime = Depends(get_now)) -> Walk:
    return Walk(request, kb, profile_id, _profile(request, profile_id), now,
                load_journey(request, profile_id, now))


def _profile(request: Request, profile_id: int | None) -> dict[str, Any]:
    return guest_profile(request) if profile_id is None else get_profile(request)


@router.get("/", response_class=HTMLResponse)
async def start(request: Request, kb: Knowledge = Depends(get_kb),
                now: datetime = Depends(get_now)) -> Response:
    """The start page. Public in multi-user mode too: emergency signs never wait (H20), and
    the check itself needs no sign-in. Just signed in with a result seen signed out: that
    result, now saved (web/guest.py). Kept until the diary changes (web/kept.py)."""
    return await kept_response(request, now, lambda: read_db(request, _start, request, kb, now))


def _start(request: Request, kb: Knowledge, now: datetime) -> Response:
    if signed_out(request):
        region, choice = server_region(kb, request.app.state.settings)
    elif request.app.state.settings.multi_user and _key(request) and \
            getattr(request.app.state.journeys.load(_key(request), GUEST, now), "result", None):
        load_journey(request, profile_id_of(request), now)  # claimed: saved, with its plan
        return _redirect("/triage/result")
    else:
        profile = get_profile(request)
        region, choice = profile["region"], profile["region_choice"]

    def context() -> dict[str, Any]:
        web = kb["web"]
        ctx = emergency_signs_context(kb, region, choice)
        ctx.update({"title": web["start"]["heading"], "start": web["start"],
                    "page_sources": sources_of(ctx["page_sources"], web["start"]["sources"])})
        return ctx

    # The page is the knowledge's words for this region and how it was chosen: kept.
    return with_form_cookie(request, render(request, "start.html", context,
                                            cache_key=(region, _frozen(choice))))


def _frozen(choice: dict[str, Any] | None) -> tuple[tuple[str, Any], ...] | None:
    """A region choice (``RegionChoice.to_dict()``: strings) as part of a cache key."""
    return None if choice is None else tuple(sorted(choice.items()))


@router.post("/triage/start")
def begin(request: Request, profile_id: int | None = Depends(get_optional_profile_id),
          now: datetime = Depends(get_now), csrf_token: str = Form("")) -> Response:
    """Start a fresh journey under a new random id (the old one is forgotten)."""
    journeys = request.app.state.journeys
    journeys.forget(_key(request), owner(profile_id))
    key = journeys.new_key()
    journeys.save(key, owner(profile_id), Journey(), now)
    response = _redirect("/triage/next")
    settings = request.app.state.settings
    response.set_cookie(cookie_name(request, COOKIE), key,
                        max_age=settings.journey_hours * 3600, httponly=True,
                        samesite="lax", secure=settings.secure_cookies, path="/")
    return response


def _url(state: JourneyState) -> str:
    """Where the one flow decision says this journey belongs now."""
    if isinstance(state.step, Question):
        return f"/triage/q/{state.step.id}"
    return "/triage/stop" if state.emergency else "/triage/check"


@router.get("/triage/next")
def go_next(w: Walk = Depends(get_walk)) -> Response:
    return _redirect("/" if w.journey is None else _url(w.state(w.journey)))


def _display(q: Question, journey: Journey, kb: Knowledge, now: datetime) -> str:
    """The answer to ``q`` in words, for "Check your answers"."""
    if q.id in journey.unsure:
        return kb["questions"]["choices"][NOT_SURE]
    value = journey.answers.get(q.id)
    if q.kind == "yes_no":
        return kb["questions"]["choices"]["yes" if value else "no"]
    if q.kind == "choice":
        return next((o.label for o in q.options if o.value == value), str(value))
    if q.kind == "hours_ago":
        onset = parse_datetime(value) if isinstance(value, str) else None
        if onset is None:
            return str(value)
        hours = max(0, round((now - onset).total_seconds() / 3600))
        return say_n("answers.hours_ago", hours, stem="pages")
    return str(value)


def _form_value(q: Question, journey: Journey, now: datetime) -> str:
    """What the form shows as already chosen (when changing an answer)."""
    if q.id in journey.unsure:
        return NOT_SURE
    if q.id not in journey.answers:
        return ""
    value = journey.answers[q.id]
    if q.kind == "yes_no":
        return "yes" if value else "no"
    if q.kind == "hours_ago":
        onset = parse_datetime(value) if isinstance(value, str) else None
        return "" if onset is None else str(max(0, round((now - onset).total_seconds() / 3600)))
    return str(value)


def _question_page(request: Request, q: Question, journey: Journey, kb: Knowledge,
                   now: datetime, change: bool, error: str | None = None,
                   value: str | None = None) -> HTMLResponse:
    asked = [x.id for x in _state(journey, kb, now, None).asked]
    if change:
        back = "/triage/check"
    elif q.id in asked:
        i = asked.index(q.id)
        back = f"/triage/q/{asked[i - 1]}" if i > 0 else "/"
    else:
        back = f"/triage/q/{asked[-1]}" if asked else "/"
    shown = _form_value(q, journey, now) if value is None else value
    where = progress(kb, journey.answers, q.id, now=now, unsure=journey.unsure)
    told = [n for n in notices(journey.answers, kb, now=now, unsure=journey.unsure)
            if n["after"] != q.id]
    # The emergency number under every question (the person's region, as on the start page).
    call = call_line(kb, (guest_profile(request) if signed_out(request)
                          else get_profile(request))["region"])
    return render(request, "question.html", {
        "title": ("Error: " if error else "") + q.text, "q": q, "back": back,
        "change": change, "error": error, "value": shown, "progress": where,
        "notices": told, "call": call,
    }, status_code=422 if error else 200,
        # q comes from the knowledge and its id; the rest is all in the key
        cache_key=None if error else (q.id, back, change, shown, where,
                                      tuple(n["heading"] for n in told), call["number"]))


def _known_question(kb: Knowledge, qid: str) -> Question:
    try:
        return question(kb, qid)
    except AnswersError:
        raise HTTPException(404) from None


@router.get("/triage/q/{qid}", response_class=HTMLResponse)
async def ask(request: Request, qid: str, change: bool = False, kb: Knowledge = Depends(get_kb),
              profile_id: int | None = Depends(get_optional_profile_id),
              now: datetime = Depends(get_now)) -> Response:
    # Kept until anything is committed (an answer saves the journey) or the minute turns.
    return await kept_response(request, now, lambda: read_db(
        request, _ask, request, _known_question(kb, qid), change, kb, profile_id, now))


def _ask(request: Request, q: Question, change: bool, kb: Knowledge, profile_id: int | None,
         now: datetime) -> Response:
    journey = load_journey(request, profile_id, now)
    if journey is None:
        return _redirect("/")
    return _question_page(request, q, journey, kb, now, change)


@router.post("/triage/q/{qid}", response_class=HTMLResponse)
def answer(request: Request, qid: str, answer: str = Form(""), change: str = Form(""),
           unit: str = Form(""), csrf_token: str = Form(""), kb: Knowledge = Depends(get_kb),
           profile_id: int | None = Depends(get_optional_profile_id),
           now: datetime = Depends(get_now)) -> Response:
    """Apply one answer (fresh or a change), re-run the flow, keep what still counts."""
    q = _known_question(kb, qid)
    journey = load_journey(request, profile_id, now)
    if journey is None:
        return _redirect("/")
    raw = answer[:100]
    if q.units and unit[:20] in {u.value for u in q.units}:  # "3" + "days" -> "3 days"
        raw = f"{raw.strip()} {unit[:20]}"
    try:
        answers, unsure = apply_answer(journey.answers, journey.unsure, q, raw, now=now)
    except AnswersError:
        return _question_page(request, q, journey, kb, now, bool(change),
                              error=question_error(kb, q), value=answer[:100])
    journey.answers, journey.unsure = answers, sorted(unsure)
    state = _state(journey, kb, now, _profile(request, profile_id)["region"])
    journey.answers, journey.unsure = state.answers, sorted(state.unsure)
    kept = {x.id for x in state.asked} | set(state.answers) | state.unsure
    journey.history = [h for h in journey.history if h != q.id and h in kept] + [q.id]
    journey.result = None
    _save(request, profile_id, journey, now)
    return _redirect(_url(state))


@router.get("/triage/stop", response_class=HTMLResponse)
def stop(w: Walk = Depends(get_walk)) -> Response:
    """The interruption page: the answers that count show an emergency sign."""
    request, kb, profile_id, profile, now, journey = (
        w.request, w.kb, w.profile_id, w.profile, w.now, w.journey)
    if journey is None:
        return _redirect("/")
    state = w.state(journey)
    if not isinstance(state.step, Outcome) or not state.emergency:
        return _redirect(_url(state))
    result = state.step.result.to_dict()
    note = None
    if journey.result is None:  # keep the emergency in the diary once
        journey.result = result
        note = record_or_note(request, kb, lambda: (
            _save(request, profile_id, journey, now),
            profile_id is None  # signed out: the emergency card, nothing to save it in
            or request.app.state.diary.record_triage(profile_id, state.answers, result, now)))
    asked = [x.id for x in state.asked]
    # "Change your last answer": the one given last, else the last on the route.
    last = next((h for h in reversed(journey.history) if h in asked), None)
    return render(request, "stop.html", {
        "title": result["care_card"]["heading"], "result": result, "card": card(result["level"]),
        "last": last or (asked[-1] if asked else None), "note": note,
        "region_choice": profile["region_choice"],
        "page_sources": sources_of(result["care_card"]["sources"],
                                    *[r["sources"] for r in result["reasons"]]),
    })


@router.get("/triage/check", response_class=HTMLResponse)
def check(w: Walk = Depends(get_walk)) -> Response:
    journey = w.journey
    if journey is None:
        return _redirect("/")
    state = w.state(journey)
    if state.page != "check":
        return _redirect(_url(state))
    rows = [{"q": q, "answer": _display(q, journey, w.kb, w.now)} for q in state.asked]
    return render(w.request, "check.html", {
        "rows": rows,
        "back": f"/triage/q/{state.asked[-1].id}" if state.asked else "/"})


@router.post("/triage/check")
def confirm(csrf_token: str = Form(""), w: Walk = Depends(get_walk)) -> Response:
    """The answers are confirmed: keep the result, and open an episode for the plan."""
    request, kb, profile_id, profile, now, journey = (
        w.request, w.kb, w.profile_id, w.profile, w.now, w.journey)
    if journey is None:
        return _redirect("/")
    state = w.state(journey)
    if not isinstance(state.step, Outcome) or state.page != "check":
        return _redirect(_url(state))
    journey.answers, journey.unsure = state.answers, sorted(state.unsure)
    result = state.step.result
    journey.result = result.to_dict()

    def keep() -> None:
        _save(request, profile_id, journey, now)
        if profile_id is not None:  # signed out: saved after sign-in (web/guest.py)
            keep_result(request, profile_id, journey, now)

    note = record_or_note(request, kb, keep)
    if note is not None:  # show the result here and now: a failed save never replaces it
        if result.emergency:
            return render_emergency(request, kb, journey.result, profile, note=note)
        return render(request, "result.html", {
            "title": journey.result["care_card"]["heading"], "result": journey.result,
            "card": card(journey.result["level"]), "note": note,
            "region_choice": profile["region_choice"],
            "region": region_info(kb, profile["region"]),
            "page_sources": sources_of(journey.result["care_card"]["sources"])})
    return _redirect("/triage/result")


@router.get("/triage/result", response_class=HTMLResponse)
def result_page(w: Walk = Depends(get_walk)) -> Response:
    """The result confirmed on "Check your answers"; shown only while the flow still says
    these answers are complete and not an emergency."""
    request, profile, journey = w.request, w.profile, w.journey
    if journey is None:
        return _redirect("/")
    state = w.state(journey)
    if state.page != "check":
        return _redirect(_url(state))
    result = journey.result
    if result is None or result["care_card"].get("emergency"):
        return _redirect("/triage/check")  # not confirmed yet
    return render(request, "result.html", {
        "title": result["care_card"]["heading"], "result": result, "card": card(result["level"]),
        "guest": w.profile_id is None, "region_choice": profile["region_choice"],
        "region": region_info(w.kb, profile["region"]),
        "in_diary": in_diary(w.request, w.profile_id, w.profile, journey.answers),
        "page_sources": sources_of(result["care_card"]["sources"],
                                    *[r["sources"] for r in result["reasons"]],
                                    *[a["sources"] for a in result.get("advice", [])]),
    })
