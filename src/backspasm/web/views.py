"""Shared view helpers of the pages: what a page may show now (the web's door to
``core.guidance``, H4, H22), the care card's style, the emergency-signs card and the
region of a visitor with no profile.

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
from backspasm.core.triage import EMERGENCY_LEVELS, emergency_signs
from backspasm.knowledge import Knowledge
from backspasm.web.auth import cookie_name
from backspasm.web.journey import COOKIE, Journey
from backspasm.web.regions import region_info
from backspasm.web.templating import render

__all__ = ["page_guidance", "emergency_page", "render_emergency", "record_or_note",
           "emergency_context", "CARD_STYLE", "card", "sources_of", "emergency_signs_context",
           "server_region", "form_error", "saved_journey"]

_log = logging.getLogger(__name__)



#: Care-card style per level: the class, and an icon that repeats the meaning of the words.
CARD_STYLE = {
    "emergency_ambulance": ("emergency", "!"),
    "emergency": ("emergency", "!"),
    "consultation_24": ("urgent", "!"),
    "consultation": ("nonurgent", "i"),
    "self_care": ("selfcare", "\u2713"),
}


def card(level: str) -> dict[str, str]:
    """The care card's ``style`` and ``icon`` for a triage level."""
    style, icon = CARD_STYLE[level]
    return {"style": style, "icon": icon}


def sources_of(*groups: Any) -> list[str]:
    """The source ids of ``groups``, each once, in order."""
    out: list[str] = []
    for group in groups:
        for sid in group or []:
            if sid not in out:
                out.append(sid)
    return out


def emergency_signs_context(kb: Knowledge, region: str | None,
                            region_choice: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the ``_signs.html`` card needs: the signs (generated from every emergency rule,
    grouped by level), the region's number, their sources. ``region=None``: the server's
    region (``server_region``), e.g. signed out."""
    from backspasm.core.region import fill_region

    if region is None:
        region, region_choice = server_region(kb, None)
    words = kb["web"]["emergency_signs"]
    info = region_info(kb, region)
    every = emergency_signs(kb)
    groups = [{"level": level, "heading": fill_region(lead, info),
               "signs": [s.text for s in every if s.level == level]}
              for level, lead in words["levels"].items()]
    sources = sources_of(*[s.sources for s in every])
    card = {"heading": words["heading"], "intro": words["intro"], "groups": groups,
            "sources": sources}
    return {"signs": card, "region": info, "region_choice": region_choice,
            "page_sources": sources}


def server_region(kb: Knowledge, settings: Any) -> tuple[str, dict[str, Any]]:
    """The region for a visitor with no profile: the server's ``--region``, else the one
    of its time zone (``core.region``)."""
    from backspasm.core.region import choose_region

    choice = choose_region(kb, profile_region=getattr(settings, "region", None),
                           tz=getattr(settings, "timezone", None))
    return choice.id, choice.to_dict()


def record_or_note(request: Request, kb: Knowledge, write: Callable[[], Any]) -> str | None:
    """Run ``write`` (saving a result); ``None`` when it worked, else the note to show
    after the card. Show before store: any failure to save is reported, never raised,
    so it cannot replace the result on screen. The log names the error class only."""
    try:
        write()
    except Exception as exc:
        _log.error("saving a triage result failed: %s", type(exc).__name__)
        return kb["web"]["not_saved"]
    return None


def saved_journey(request: Request, profile_id: int, now: datetime) -> Journey | None:
    """The web journey under this request's cookie, as saved, read once per request for
    the pages that only read it (the guidance and the plan). Routes that change a journey
    load their own copy."""
    kept: dict[int, Journey | None] | None = getattr(request.state, "saved_journeys", None)
    if kept is None:
        kept = request.state.saved_journeys = {}
    if profile_id not in kept:
        key = request.cookies.get(cookie_name(request, COOKIE))  # __Host- over https
        kept[profile_id] = request.app.state.journeys.load(key, str(profile_id), now)
    return kept[profile_id]


def _on_screen(request: Request, profile_id: int, now: datetime) -> Seen | None:
    """An emergency result of the web journey, even if saving it failed."""
    return journey_on_screen(saved_journey(request, profile_id, now))


def journey_on_screen(journey: Any) -> Seen | None:
    """The emergency result of ``journey`` (a web triage journey, or ``None``) as a
    ``Seen`` not saved yet, else ``None``."""
    if journey is None:
        return None
    result = journey.result
    if not result or result.get("level") not in EMERGENCY_LEVELS:
        return None
    return Seen(result["level"], None, tuple(r["rule"] for r in result.get("reasons", [])),
                dict(journey.answers), tuple(journey.unsure))


def page_guidance(request: Request, profile_id: int, now: datetime) -> Guidance:
    """``core.guidance.guidance`` for this person, from the diary and the journey."""
    from backspasm.status import diary_guidance

    return diary_guidance(request.app.state.store, profile_id,
                          on_screen=_on_screen(request, profile_id, now))


def emergency_context(result: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """The emergency card's template context for ``result`` (``_card.html``)."""
    sources = sources_of(result["care_card"]["sources"],
                         *[r["sources"] for r in result["reasons"]])
    return {"result": result, "card": card(result["level"]),
            "region_choice": profile.get("region_choice"), "page_sources": sources}


def render_emergency(request: Request, kb: Knowledge, result: dict[str, Any],
                     profile: dict[str, Any], *, note: str | None = None,
                     status_code: int = 200) -> HTMLResponse:
    """The emergency card page (``stop.html``) for ``result``; ``note`` adds a line
    after the card (e.g. that the result could not be saved)."""
    return render(request, "stop.html", {
        "title": result["care_card"]["heading"], "last": None, "note": note,
        **emergency_context(result, profile),
    }, status_code=status_code)


def emergency_page(request: Request, kb: Knowledge, profile_id: int, profile: dict[str, Any],
                   now: datetime) -> HTMLResponse | None:
    """The emergency card page when the guidance is an emergency, else ``None``."""
    g = page_guidance(request, profile_id, now)
    if not g.emergency:
        return None
    result = emergency_view(kb, g, region=profile["region"], now=now)
    return render_emergency(request, kb, result, profile)


def form_error(kb: Knowledge, form: str, key: str, **values: Any) -> str:
    """The message for a refused form field: ``web.yaml`` ``form_errors.<form>.<key>``,
    its ``{placeholders}`` filled from ``values``."""
    return kb["web"]["form_errors"][form][key].format(**values)


def question_error(kb: Knowledge, q: Any) -> str:
    """What a refused answer to question ``q`` says: what to enter (web.yaml)."""
    if q.kind in ("yes_no", "choice"):
        return form_error(kb, "question", "choose")
    key = "hours_ago" if q.kind == "hours_ago" else "number"
    return form_error(kb, "question", key, minimum=q.minimum, maximum=q.maximum)
