"""The triage journey: Start → one question per page → Check your answers → result.

A warning-sign answer ends the journey at once on an interruption page. The answers are
kept on the server (journey.py), keyed by an opaque cookie: never in URLs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backspasm.core.answers import AnswersError, parse_datetime
from backspasm.core.flow import (
    NOT_SURE,
    Outcome,
    Question,
    apply_answer,
    next_step,
    path,
    question,
)
from backspasm.core.triage import emergency_signs
from backspasm.knowledge import Knowledge
from backspasm.web.deps import get_kb, get_now, get_profile, get_profile_id
from backspasm.web.journey import COOKIE, Journey
from backspasm.web.regions import region_info
from backspasm.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = (10, "Check symptoms", "/")

#: Care-card style per level: the class, and an icon that repeats the meaning of the words.
CARD_STYLE = {
    "emergency_ambulance": ("emergency", "!"),
    "emergency": ("emergency", "!"),
    "consultation_24": ("urgent", "!"),
    "consultation": ("nonurgent", "i"),
    "self_care": ("selfcare", "\u2713"),
}


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _key(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def _load(request: Request, profile_id: int, now: datetime) -> Journey | None:
    return request.app.state.journeys.load(_key(request), str(profile_id), now)


def _save(request: Request, profile_id: int, journey: Journey, now: datetime) -> None:
    key = _key(request)
    assert key is not None  # only called once a journey was loaded with this key
    request.app.state.journeys.save(key, str(profile_id), journey, now)


def _step(journey: Journey, kb: Knowledge, now: datetime, region: str) -> Question | Outcome:
    return next_step(journey.answers, kb, now=now, unsure=journey.unsure, region=region)


def _card(result: dict[str, Any]) -> dict[str, Any]:
    style, icon = CARD_STYLE[result["level"]]
    return {"style": style, "icon": icon}


def _sources_of(*groups: Any) -> list[str]:
    out: list[str] = []
    for group in groups:
        for sid in group or []:
            if sid not in out:
                out.append(sid)
    return out


def emergency_signs_context(kb: Knowledge, region: str | None) -> dict[str, Any]:
    """What the ``_signs.html`` card needs: the signs (generated from every emergency rule,
    grouped by level), the region's number, their sources."""
    words = kb["web"]["emergency_signs"]
    info = region_info(kb, region)
    groups = []
    for level, lead in words["levels"].items():
        signs = [s for s in emergency_signs(kb) if s.level == level]
        groups.append({"level": level, "heading": lead.format(
            emergency_number=info["emergency_number"],
            emergency_department=info["emergency_department"],
            region_name=info["name"], urgent_help=info["urgent_help"]),
            "signs": [s.text for s in signs]})
    sources = _sources_of(*[s.sources for s in emergency_signs(kb)])
    card = {"heading": words["heading"], "intro": words["intro"], "groups": groups,
            "sources": sources}
    return {"signs": card, "region": info, "page_sources": sources}


@router.get("/", response_class=HTMLResponse)
def start(request: Request, kb: Knowledge = Depends(get_kb)) -> HTMLResponse:
    """The start page. Public in multi-user mode too: emergency signs never wait (H20)."""
    if request.app.state.settings.multi_user and getattr(request.state, "user", None) is None:
        region = request.app.state.settings.region  # signed out: the server's region
    else:
        region = get_profile(request)["region"]
    web = kb["web"]
    ctx = emergency_signs_context(kb, region)
    ctx.update({"title": web["start"]["heading"], "start": web["start"],
                "page_sources": _sources_of(ctx["page_sources"], web["start"]["sources"])})
    return render(request, "start.html", ctx)


@router.post("/triage/start")
def begin(request: Request, profile_id: int = Depends(get_profile_id),
          now: datetime = Depends(get_now), csrf_token: str = Form("")) -> Response:
    """Start a fresh journey under a new random id (the old one is forgotten)."""
    journeys = request.app.state.journeys
    journeys.forget(_key(request), str(profile_id))
    key = journeys.new_key()
    journeys.save(key, str(profile_id), Journey(), now)
    response = _redirect("/triage/next")
    settings = request.app.state.settings
    response.set_cookie(COOKIE, key, max_age=settings.journey_hours * 3600, httponly=True,
                        samesite="lax", secure=settings.secure_cookies, path="/")
    return response


@router.get("/triage/next")
def go_next(request: Request, kb: Knowledge = Depends(get_kb),
            profile_id: int = Depends(get_profile_id), profile: dict = Depends(get_profile),
            now: datetime = Depends(get_now)) -> Response:
    journey = _load(request, profile_id, now)
    if journey is None:
        return _redirect("/")
    step = _step(journey, kb, now, profile["region"])
    if isinstance(step, Question):
        return _redirect(f"/triage/q/{step.id}")
    return _redirect("/triage/stop" if step.stopped_early else "/triage/check")


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
        return f"About {hours} hour{'s' if hours != 1 else ''} ago"
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
    asked = [x.id for x in path(journey.answers, kb, now=now, unsure=journey.unsure)]
    if change:
        back = "/triage/check"
    elif q.id in asked:
        i = asked.index(q.id)
        back = f"/triage/q/{asked[i - 1]}" if i > 0 else "/"
    else:
        back = f"/triage/q/{asked[-1]}" if asked else "/"
    return render(request, "question.html", {
        "title": ("Error: " if error else "") + q.text, "q": q, "back": back,
        "change": change, "error": error,
        "value": _form_value(q, journey, now) if value is None else value,
    }, status_code=422 if error else 200)


def _friendly_error(q: Question) -> str:
    if q.kind in ("yes_no", "choice"):
        return "Select an answer"
    if q.kind == "hours_ago":
        return f"Enter the number of hours, from {q.minimum} to {q.maximum}"
    return f"Enter a whole number from {q.minimum} to {q.maximum}"


def _known_question(kb: Knowledge, qid: str) -> Question:
    try:
        return question(kb, qid)
    except AnswersError:
        raise HTTPException(404) from None


@router.get("/triage/q/{qid}", response_class=HTMLResponse)
def ask(request: Request, qid: str, change: bool = False, kb: Knowledge = Depends(get_kb),
        profile_id: int = Depends(get_profile_id),
        now: datetime = Depends(get_now)) -> Response:
    q = _known_question(kb, qid)
    journey = _load(request, profile_id, now)
    if journey is None:
        return _redirect("/")
    return _question_page(request, q, journey, kb, now, change)


@router.post("/triage/q/{qid}", response_class=HTMLResponse)
def answer(request: Request, qid: str, answer: str = Form(""), change: str = Form(""),
           csrf_token: str = Form(""), kb: Knowledge = Depends(get_kb),
           profile_id: int = Depends(get_profile_id),
           now: datetime = Depends(get_now)) -> Response:
    q = _known_question(kb, qid)
    journey = _load(request, profile_id, now)
    if journey is None:
        return _redirect("/")
    try:
        answers, unsure = apply_answer(journey.answers, journey.unsure, q, answer[:100], now=now)
    except AnswersError:
        return _question_page(request, q, journey, kb, now, bool(change),
                              error=_friendly_error(q), value=answer[:100])
    journey.answers = answers
    journey.unsure = sorted(unsure)
    journey.result = None
    _save(request, profile_id, journey, now)
    return _redirect("/triage/next")


def _outcome(request: Request, kb: Knowledge, profile_id: int, profile: dict,
             now: datetime) -> tuple[Journey | None, Question | Outcome | None]:
    journey = _load(request, profile_id, now)
    if journey is None:
        return None, None
    return journey, _step(journey, kb, now, profile["region"])


@router.get("/triage/stop", response_class=HTMLResponse)
def stop(request: Request, kb: Knowledge = Depends(get_kb),
         profile_id: int = Depends(get_profile_id), profile: dict = Depends(get_profile),
         now: datetime = Depends(get_now)) -> Response:
    """The interruption page: an answer showed an emergency sign."""
    journey, step = _outcome(request, kb, profile_id, profile, now)
    if journey is None or not isinstance(step, Outcome) or not step.stopped_early:
        return _redirect("/triage/next")
    result = step.result.to_dict()
    if journey.result is None:  # keep the emergency in the diary once
        journey.result = result
        _save(request, profile_id, journey, now)
        request.app.state.diary.record_triage(profile_id, journey.answers, result, now)
    asked = [x.id for x in path(journey.answers, kb, now=now, unsure=journey.unsure)]
    return render(request, "stop.html", {
        "title": result["care_card"]["heading"], "result": result, "card": _card(result),
        "last": asked[-1] if asked else None,
        "page_sources": _sources_of(result["care_card"]["sources"],
                                    *[r["sources"] for r in result["reasons"]]),
    })


@router.get("/triage/check", response_class=HTMLResponse)
def check(request: Request, kb: Knowledge = Depends(get_kb),
          profile_id: int = Depends(get_profile_id), profile: dict = Depends(get_profile),
          now: datetime = Depends(get_now)) -> Response:
    journey, step = _outcome(request, kb, profile_id, profile, now)
    if journey is None:
        return _redirect("/")
    if not isinstance(step, Outcome) or step.stopped_early:
        return _redirect("/triage/next")
    asked = path(journey.answers, kb, now=now, unsure=journey.unsure)
    rows = [{"q": q, "answer": _display(q, journey, kb, now)} for q in asked]
    return render(request, "check.html", {"title": "Check your answers", "rows": rows,
                                          "back": f"/triage/q/{asked[-1].id}" if asked else "/"})


@router.post("/triage/check")
def confirm(request: Request, csrf_token: str = Form(""), kb: Knowledge = Depends(get_kb),
            profile_id: int = Depends(get_profile_id), profile: dict = Depends(get_profile),
            now: datetime = Depends(get_now)) -> Response:
    """The answers are confirmed: keep the result, and open an episode for the plan."""
    journey, step = _outcome(request, kb, profile_id, profile, now)
    if journey is None:
        return _redirect("/")
    if not isinstance(step, Outcome) or step.stopped_early:
        return _redirect("/triage/next")
    on_route = {q.id for q in path(journey.answers, kb, now=now, unsure=journey.unsure)}
    journey.answers = {k: v for k, v in journey.answers.items() if k in on_route}
    result = next_step(journey.answers, kb, now=now, unsure=journey.unsure,
                       region=profile["region"])
    assert isinstance(result, Outcome)
    journey.result = result.result.to_dict()
    _save(request, profile_id, journey, now)
    diary = request.app.state.diary
    diary.record_triage(profile_id, journey.answers, journey.result, now)
    onset = parse_datetime(journey.answers["onset"]) if "onset" in journey.answers else None
    if onset is not None and not result.result.emergency:
        diary.start_episode(profile_id, onset, journey.answers.get("trigger"))
    return _redirect("/triage/result")


@router.get("/triage/result", response_class=HTMLResponse)
def result_page(request: Request, kb: Knowledge = Depends(get_kb),
                profile_id: int = Depends(get_profile_id),
                now: datetime = Depends(get_now)) -> Response:
    journey = _load(request, profile_id, now)
    if journey is None:
        return _redirect("/")
    if journey.result is None:
        return _redirect("/triage/next")
    result = journey.result
    if result["care_card"].get("emergency"):
        return _redirect("/triage/stop")
    return render(request, "result.html", {
        "title": result["care_card"]["heading"], "result": result, "card": _card(result),
        "page_sources": _sources_of(result["care_card"]["sources"],
                                    *[r["sources"] for r in result["reasons"]],
                                    *[a["sources"] for a in result.get("advice", [])]),
    })
