"""What a page may show now: the web's door to ``core.guidance`` (H4, H22).

Pages that suggest staying at home (the plan, the timers) ask :func:`emergency_page`
first; when the person's latest result is an emergency they show the emergency card
(``stop.html``) instead, with the tap-to-call link. No page decides this on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse

from backspasm.core.guidance import Guidance, Seen, emergency_view
from backspasm.core.triage import EMERGENCY_LEVELS
from backspasm.knowledge import Knowledge
from backspasm.web.journey import COOKIE
from backspasm.web.templating import render

__all__ = ["page_guidance", "emergency_page", "render_emergency", "record_or_note",
           "NOT_SAVED"]

_log = logging.getLogger(__name__)

#: Shown after the card when the result could not be kept in the diary.
NOT_SAVED = ("We could not save this result in your diary (the diary is not available "
             "right now). What it says above still stands.")


def record_or_note(request: Request, kb: Knowledge, write: Callable[[], Any]) -> str | None:
    """Run ``write`` (saving a result); ``None`` when it worked, else the note to show
    after the card. Show before store: any failure to save is reported, never raised,
    so it cannot replace the result on screen. The log names the error class only."""
    try:
        write()
    except Exception as exc:
        _log.error("saving a triage result failed: %s", type(exc).__name__)
        return NOT_SAVED
    return None


def _on_screen(request: Request, profile_id: int, now: datetime) -> Seen | None:
    """An emergency result of the web journey, even if saving it failed."""
    journey = request.app.state.journeys.load(request.cookies.get(COOKIE), str(profile_id), now)
    result = None if journey is None else journey.result
    if journey is None or not result or result.get("level") not in EMERGENCY_LEVELS:
        return None
    return Seen(result["level"], None, tuple(r["rule"] for r in result.get("reasons", [])),
                dict(journey.answers), tuple(journey.unsure))


def page_guidance(request: Request, profile_id: int, now: datetime) -> Guidance:
    """``core.guidance.guidance`` for this person, from the diary and the journey."""
    from backspasm.status import diary_guidance

    return diary_guidance(request.app.state.store, profile_id,
                          on_screen=_on_screen(request, profile_id, now))


def render_emergency(request: Request, kb: Knowledge, result: dict[str, Any],
                     profile: dict[str, Any], *, note: str | None = None,
                     status_code: int = 200) -> HTMLResponse:
    """The emergency card page (``stop.html``) for ``result``; ``note`` adds a line
    after the card (e.g. that the result could not be saved)."""
    from backspasm.web.pages.triage import CARD_STYLE

    style, icon = CARD_STYLE[result["level"]]
    sources: list[str] = []
    for group in (result["care_card"]["sources"], *[r["sources"] for r in result["reasons"]]):
        sources += [s for s in group if s not in sources]
    return render(request, "stop.html", {
        "title": result["care_card"]["heading"], "result": result,
        "card": {"style": style, "icon": icon}, "last": None, "note": note,
        "region_choice": profile.get("region_choice"), "page_sources": sources,
    }, status_code=status_code)


def emergency_page(request: Request, kb: Knowledge, profile_id: int, profile: dict[str, Any],
                   now: datetime) -> HTMLResponse | None:
    """The emergency card page when the guidance is an emergency, else ``None``."""
    g = page_guidance(request, profile_id, now)
    if not g.emergency:
        return None
    result = emergency_view(kb, g, region=profile["region"], now=now)
    return render_emergency(request, kb, result, profile)
