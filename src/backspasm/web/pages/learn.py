"""Learn: background on back spasm from education.yaml, each section with its sources."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse

from backspasm.core.fit import learn_for
from backspasm.web.deps import get_now, get_profile, profile_id_of
from backspasm.web.templating import render
from backspasm.web.views import emergency_page

router = APIRouter(include_in_schema=False)
NAV = (40, "learn", "/learn")


def _section_sources(edu: dict) -> list[str]:
    seen: list[str] = []
    for section in edu.get("sections", []):
        for sid in section.get("sources", []):
            if sid not in seen:
                seen.append(sid)
        for stretch in section.get("stretches", []) or []:
            for sid in stretch.get("sources", []):
                if sid not in seen:
                    seen.append(sid)
    return seen


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request, now: datetime = Depends(get_now)) -> HTMLResponse:
    """Learn, fitted to the person's latest saved answers (pregnancy, age, fragile bones).
    Public in multi-user mode: signed out, it shows the general content. After an
    emergency result (``core.guidance``) it shows the emergency card instead: its stretches
    and resting positions suggest staying home (H4)."""
    state = request.app.state
    signed_out = state.settings.multi_user and getattr(request.state, "user", None) is None
    if not signed_out:
        profile_id = profile_id_of(request)
        shown = emergency_page(request, state.kb, profile_id, get_profile(request), now)
        if shown is not None:
            return shown
    person = {} if signed_out else state.diary.person(profile_id_of(request))
    edu = learn_for(state.kb, person)
    return render(request, "learn.html", {"title": edu["title"], "edu": edu,
                                          "meta": state.kb["meta"],
                                          "page_sources": _section_sources(edu)})
