"""The symptom check before sign-in (multi-user mode): a person in pain can check their
symptoms at once; sign-in is asked for only to save.

A signed-out journey is kept under the owner :data:`GUEST` and the same random HttpOnly
cookie as any journey (its answers never go in a URL, and nobody without the cookie can
read them). Nothing is written to a diary while signed out. After sign-in (or sign-up), the
first triage page that loads the journey claims it: it moves to the person's profile and,
when its result was confirmed and is not an emergency, the result is saved and the episode
started, as a signed-in "See my result" would have done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from starlette.responses import Response

from backspasm.web.auth import ANON_COOKIE, cookie_name
from backspasm.web.journey import COOKIE, Journey

__all__ = ["GUEST", "owner", "signed_out", "guest_profile", "load_journey", "keep_result",
           "in_diary",
           "with_form_cookie"]

#: The journey owner of a signed-out person (profiles are numbers, so no clash).
GUEST = "guest"


def signed_out(request: Request) -> bool:
    """Multi-user mode and nobody signed in."""
    return bool(request.app.state.settings.multi_user) and \
        getattr(request.state, "user", None) is None


def owner(profile_id: int | None) -> str:
    return GUEST if profile_id is None else str(profile_id)


def guest_profile(request: Request) -> dict[str, Any]:
    """The region of a signed-out person: the server's (``views.server_region``)."""
    from backspasm.web.views import server_region

    region, choice = server_region(request.app.state.kb, request.app.state.settings)
    return {"region": region, "region_choice": choice}


def keep_result(request: Request, profile_id: int, journey: Journey, now: datetime) -> None:
    """Save a confirmed result in the diary and open its episode (the self-care plan)."""
    from backspasm.status import keep_triage

    result = journey.result or {}
    keep_triage(request.app.state.store, profile_id, journey.answers, level=result["level"],
                rules=[r["rule"] for r in result.get("reasons", [])],
                knowledge_version=result["knowledge_version"],
                unsure=list(result.get("unsure") or []), at=now)


def load_journey(request: Request, profile_id: int | None, now: datetime) -> Journey | None:
    """The journey under this request's cookie for this person; a signed-in person's
    first load claims the journey they began signed out (see the module's note)."""
    journeys = request.app.state.journeys
    key = request.cookies.get(cookie_name(request, COOKIE))
    journey = journeys.load(key, owner(profile_id), now)
    if journey is not None or profile_id is None or not request.app.state.settings.multi_user:
        return journey
    journey = journeys.load(key, GUEST, now)
    if journey is None or key is None:
        return None
    journeys.forget(key, GUEST)  # one row per cookie: moved, not copied
    journeys.save(key, str(profile_id), journey, now)
    if journey.result is not None and not journey.result["care_card"].get("emergency"):
        keep_result(request, profile_id, journey, now)
    return journey


def with_form_cookie(request: Request, response: Response) -> Response:
    """``response`` with the signed-out form token's cookie when the guard made a new one
    (``auth.guard``: the double-submit CSRF cookie), so "Start now" works signed out."""
    value = getattr(request.state, "new_anon_csrf", None)
    if value:
        response.set_cookie(cookie_name(request, ANON_COOKIE), value, httponly=True,
                            samesite="lax", secure=request.app.state.settings.secure_cookies,
                            path="/")
    return response


def in_diary(request: Request, profile_id: int | None, profile: dict[str, Any],
             answers: dict[str, Any]) -> dict[str, Any] | None:
    """What the confirmed result put into the diary (said on the result page): the episode
    open now and the pain score given, if any. Signed out (multi-user), nothing is saved
    yet: ``None`` (the page offers sign-in to save); a signed-out ``profile`` is the
    guest's, which has a region but no time zone."""
    from zoneinfo import ZoneInfo

    from backspasm.knowledge.formats import format_datetime

    if profile_id is None:
        return None
    onset = request.app.state.diary.current_onset(profile_id)
    pain = answers.get("pain_now")
    if onset is None and not isinstance(pain, int):
        return None
    when = format_datetime(onset, "moment_list", tz=ZoneInfo(profile["tz"])) if onset else None
    return {"onset": when, "pain": pain if isinstance(pain, int) else None}
