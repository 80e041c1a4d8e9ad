"""Privacy: what is stored, export everything (the store's JSON export as a download),
delete everything (a confirm page, then POST). Deleting removes the profile, its diary,
its triage records, its unfinished triage journeys and, in multi-user mode, the account
and its sessions."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backspasm.web.deps import get_now, get_profile_id
from backspasm.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = (60, "privacy", "/privacy")


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(request: Request, profile_id: int = Depends(get_profile_id)) -> HTMLResponse:
    counts = request.app.state.store.counts(profile_id)
    user = getattr(request.state, "user", None)
    return render(request, "privacy.html", {"counts": counts,
                                            "email": user.email if user else None})


@router.get("/privacy/export")
def export_everything(request: Request, profile_id: int = Depends(get_profile_id),
                      now: datetime = Depends(get_now)) -> Response:
    """Everything of the profile as the store's JSON export (``backspasm import`` reads it)."""
    doc = request.app.state.store.export_profile(profile_id)
    name = f"backspasm-diary-{now.date().isoformat()}.json"
    return Response(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                    media_type="application/json",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/privacy/delete", response_class=HTMLResponse)
def delete_confirm(request: Request, profile_id: int = Depends(get_profile_id)) -> HTMLResponse:
    counts = request.app.state.store.counts(profile_id)
    return render(request, "privacy_delete.html", {
                                                   "counts": counts})


@router.post("/privacy/delete")
def delete_everything(request: Request, csrf_token: str = Form(""),
                      profile_id: int = Depends(get_profile_id)) -> Response:
    from backspasm.web.auth import CLEAR_SITE_DATA, SESSION_COOKIE, cookie_name
    from backspasm.web.journey import COOKIE

    state = request.app.state
    # One transaction: the diary, unfinished triage journeys and, by cascade, the account,
    # its sessions and feed tokens.
    state.store.forget(profile_id)
    if not state.settings.multi_user:
        state.local_profile_id = None  # a fresh, empty local profile on the next request
    response = RedirectResponse("/privacy/deleted", status_code=303)
    response.delete_cookie(cookie_name(request, COOKIE), path="/",
                           secure=state.settings.secure_cookies)
    response.delete_cookie(cookie_name(request, SESSION_COOKIE), path="/",
                           secure=state.settings.secure_cookies)
    # The browser drops what it kept too: the service worker's copies of the plan and
    # timer pages, and the running timer in localStorage.
    response.headers["clear-site-data"] = CLEAR_SITE_DATA
    return response


@router.get("/privacy/deleted", response_class=HTMLResponse)
def deleted(request: Request) -> HTMLResponse:
    return render(request, "privacy_deleted.html")
