"""Downloads (calendar file, doctor's report, FHIR) and the calendar subscription feed.

A thin door over :mod:`backspasm.exports`. Nothing health-related goes in a URL: the
downloads are fixed paths for the signed-in (or local) profile, and the feed URL carries
only a random token. An unknown or revoked token answers a bare 404 that says nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from backspasm.exports.data import EpisodeRecord, ExportError
from backspasm.knowledge import Knowledge
from backspasm.store.feeds import FeedTokens
from backspasm.web.deps import get_kb, get_now, get_profile_id, utc_now
from backspasm.web.errors import BadInput, title
from backspasm.web.hosts import absolute_url
from backspasm.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = (70, "exports", "/exports")

ICS = "text/calendar; charset=utf-8"
FHIR_JSON = "application/fhir+json"


def _load(
    request: Request,
    kb: Knowledge,
    profile_id: int,
    now: datetime,
    episode: int | None = None,
    *,
    whole_plan: bool = True,
) -> tuple[EpisodeRecord, Any]:
    from backspasm.exports.source import load_episode

    try:
        return load_episode(
            request.app.state.store, profile_id, episode, kb=kb, now=now, whole_plan=whole_plan
        )
    except ExportError as exc:
        raise BadInput(exc.field, exc.expected) from None


def _attachment(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )


def _calendar(
    request: Request, kb: Knowledge, profile_id: int, now: datetime, *, feed: bool
) -> bytes:
    """The calendar by the one rule (``exports.source.calendar_for``, H22).

    A download is refused (422 page naming the problem) when there is nothing to remind
    of: no open episode, an ended one, an emergency result, or the plan is over. The feed
    then serves an empty calendar instead, so subscribed apps drop the old events.
    """
    from backspasm.exports.ics import build_ics
    from backspasm.exports.source import calendar_for

    try:
        cal = calendar_for(request.app.state.store, profile_id, kb=kb, now=now)
        if cal.refusal is not None and not feed:
            raise cal.refusal
        return build_ics(
            cal.sessions, episode_uid=cal.episode_uid, tz=cal.tz, kb=kb, now=now, feed=feed
        )
    except ExportError as exc:
        raise BadInput(exc.field, exc.expected) from None


@router.get("/exports", response_class=HTMLResponse)
def exports_page(
    request: Request, kb: Knowledge = Depends(get_kb), profile_id: int = Depends(get_profile_id),
    now: datetime = Depends(get_now),
) -> HTMLResponse:
    return _page(request, kb, profile_id, new_url=None, now=now)


def _emergency_card(request: Request, kb: Knowledge, profile_id: int,
                    now: datetime) -> dict[str, Any] | None:
    """The emergency card's context when ``core.guidance`` says emergency (H4), else None."""
    from backspasm.core.guidance import emergency_view
    from backspasm.web.deps import get_profile
    from backspasm.web.views import emergency_context, page_guidance

    g = page_guidance(request, profile_id, now)
    if not g.emergency:
        return None
    profile = get_profile(request)
    return emergency_context(emergency_view(kb, g, region=profile["region"], now=now), profile)


def _page(request: Request, kb: Knowledge, profile_id: int, new_url: str | None,
          now: datetime | None = None) -> HTMLResponse:
    store = request.app.state.store
    emergency = _emergency_card(request, kb, profile_id, now or utc_now())
    return render(
        request,
        "exports.html",
        {
            "feed_note": kb["exports"]["calendar"]["feed_note"],
            "feed_since": FeedTokens(store).feed_token_created(profile_id),
            "new_url": new_url,
            "has_episode": bool(store.episodes(profile_id)),
            "emergency": emergency,
            **({"result": emergency["result"], "card": emergency["card"],
                "region_choice": emergency["region_choice"],
                "page_sources": emergency["page_sources"]} if emergency else {}),
        },
    )


@router.post("/exports/feed", response_class=HTMLResponse)
def make_feed(
    request: Request,
    csrf_token: str = Form(""),
    kb: Knowledge = Depends(get_kb),
    profile_id: int = Depends(get_profile_id),
) -> HTMLResponse:
    """Make (or replace) the subscription link; it is shown once, on this page."""
    token = FeedTokens(request.app.state.store).new_feed_token(profile_id)
    url = absolute_url(request, request.app.url_path_for("feed", token=f"{token}.ics"))
    return _page(request, kb, profile_id, new_url=url)


@router.post("/exports/feed/revoke")
def revoke_feed(
    request: Request, csrf_token: str = Form(""), profile_id: int = Depends(get_profile_id)
) -> Response:
    FeedTokens(request.app.state.store).revoke_feed_token(profile_id)
    return RedirectResponse("/exports", status_code=303)


@router.get("/export/calendar.ics")
def download_calendar(
    request: Request,
    kb: Knowledge = Depends(get_kb),
    profile_id: int = Depends(get_profile_id),
    now: datetime = Depends(get_now),
) -> Response:
    """The sessions still ahead, with alarms, to import once into a phone calendar."""
    data = _calendar(request, kb, profile_id, now, feed=False)
    return _attachment(data, ICS, "backspasm-plan.ics")


@router.get("/export/report.pdf")
def download_report(
    request: Request,
    episode: int | None = None,
    kb: Knowledge = Depends(get_kb),
    profile_id: int = Depends(get_profile_id),
    now: datetime = Depends(get_now),
) -> Response:
    from backspasm.exports.report import render_report_pdf

    record, _ = _load(request, kb, profile_id, now, episode)
    pdf = _made(lambda: render_report_pdf(record, kb=kb, now=now))
    return _attachment(pdf, "application/pdf", "backspasm-report.pdf")


@router.get("/export/fhir.json")
def download_fhir(
    request: Request,
    episode: int | None = None,
    kb: Knowledge = Depends(get_kb),
    profile_id: int = Depends(get_profile_id),
    now: datetime = Depends(get_now),
) -> Response:
    from backspasm.exports.fhir import build_bundle, bundle_json

    record, profile = _load(request, kb, profile_id, now, episode)
    data = _made(lambda: bundle_json(
        build_bundle(record, kb=kb, now=now, patient_key=f"profile/{profile.pseudonym}")))
    return _attachment(data, FHIR_JSON, "backspasm-fhir.json")


def _made(build: Callable[[], bytes]) -> bytes:
    """The file ``build`` makes; an export's refusal becomes the page's named-field error."""
    try:
        return build()
    except ExportError as exc:
        raise BadInput(exc.field, exc.expected) from None


_NOT_FOUND = title(404) + "\n"


@router.get("/feeds/{token}", name="feed")
def feed(
    request: Request, token: str, kb: Knowledge = Depends(get_kb), now: datetime = Depends(get_now)
) -> Response:
    """The subscription feed: the sessions ahead, rebuilt on every fetch (empty when none)."""
    store = request.app.state.store
    secret = token.removesuffix(".ics") if token.endswith(".ics") else None
    profile_id = FeedTokens(store).profile_for_feed_token(secret) if secret else None
    if profile_id is None:
        return PlainTextResponse(_NOT_FOUND, status_code=404, headers={"cache-control": "no-store"})
    data = _calendar(request, kb, profile_id, now, feed=True)
    return Response(data, media_type=ICS, headers={"cache-control": "private, max-age=900"})
