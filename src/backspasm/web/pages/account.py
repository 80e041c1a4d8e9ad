"""Sign in, sign up and sign out (multi-user mode; 404 in personal mode).

Failed sign-ins are counted in the database per address + IP and per address, sign-ups
per IP, so the limits hold across workers. The session and CSRF checks are ``auth.py``.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backspasm.web.auth import (
    ANON_COOKIE,
    CLEAR_SITE_DATA,
    SESSION_COOKIE,
    SESSION_DAYS,
    cookie_name,
)
from backspasm.web.deps import get_now
from backspasm.web.passwords import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    hash_password,
    password_problem,
    verify_password,
)
from backspasm.web.templating import render
from backspasm.web.views import emergency_signs_context, form_error, server_region

router = APIRouter()

#: Sign-in rate limit: at most this many failures per address + IP in the window...
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
#: ...and at most this many per address from anywhere (so changing IP does not help). A
#: locked sign-in is not checked and not counted, so the lock lifts at the latest one
#: window after the failure that set it (``Retry-After`` says when, to the second).
MAX_ACCOUNT_FAILURES = 10
#: Sign-ups: at most this many per client IP in the window.
MAX_SIGNUPS, SIGNUP_WINDOW = 20, timedelta(hours=1)


def _message(request: Request, key: str, **values: Any) -> str:
    return form_error(request.app.state.kb, "account", key, **values)


def _safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site, else ``/`` (never off-site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:200]
    return "/"


def _multi_user(request: Request) -> None:
    if not request.app.state.settings.multi_user:
        raise HTTPException(404)


def _with_anon_cookie(request: Request, response: Response) -> Response:
    value = getattr(request.state, "new_anon_csrf", None)
    if value:
        settings = request.app.state.settings
        response.set_cookie(cookie_name(request, ANON_COOKIE), value, httponly=True, samesite="lax",
                            secure=settings.secure_cookies, path="/")
    return response


def _form_page(request: Request, name: str, *, status: int = 200, errors: dict | None = None,
               email: str = "", next_url: str = "/") -> Response:
    state = request.app.state
    ctx = emergency_signs_context(state.kb, *server_region(state.kb, state.settings))  # H20
    ctx.update({"errors": errors or {}, "email": email[:254], "next": next_url,
                "password_min": PASSWORD_MIN})
    response = render(request, name, ctx, status_code=status)
    return _with_anon_cookie(request, response)


def _start_session(request: Request, account_id: int, now: datetime, next_url: str) -> Response:
    state = request.app.state
    state.accounts.end_session(  # no session fixation
        request.cookies.get(cookie_name(request, SESSION_COOKIE)))
    token = secrets.token_urlsafe(32)
    state.accounts.new_session(account_id, token=token, csrf_token=secrets.token_urlsafe(32),
                               expires_at=now + timedelta(days=SESSION_DAYS))
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    response.set_cookie(cookie_name(request, SESSION_COOKIE), token,
                        max_age=SESSION_DAYS * 86400, httponly=True, samesite="lax",
                        secure=state.settings.secure_cookies, path="/")
    response.delete_cookie(cookie_name(request, ANON_COOKIE), path="/",
                           secure=state.settings.secure_cookies)
    return response


@router.get("/signin", response_class=HTMLResponse, include_in_schema=False)
def signin_page(request: Request, next: str = "/") -> Response:
    _multi_user(request)
    if getattr(request.state, "user", None):
        return RedirectResponse(_safe_next(next), status_code=303)
    return _form_page(request, "auth/signin.html", next_url=_safe_next(next))


def _client_ip(request: Request) -> str:
    # The TCP peer: uvicorn replaces it from X-Forwarded-For only with ``serve --proxy``.
    return request.client.host if request.client else ""


def _locked_for(accounts: Any, key: str, limit: int, window: timedelta,
                now: datetime) -> int:
    """Seconds until ``key`` has fewer than ``limit`` failures in ``window`` (0: not locked)."""
    times = accounts.signin_failure_times(key, since=now - window)
    if len(times) < limit:
        return 0
    frees_at = times[len(times) - limit] + window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def _too_many(request: Request, name: str, wait: int, *, field: str, **ctx: Any) -> Response:
    minutes = max(1, math.ceil(wait / 60))
    key = "too_many_tries_one" if minutes == 1 else "too_many_tries_other"
    response = _form_page(request, name, status=429, errors={
        field: _message(request, key, minutes=minutes)}, **ctx)
    response.headers["retry-after"] = str(wait)
    return response


@router.post("/signin", response_class=HTMLResponse, include_in_schema=False)
def signin(request: Request, email: str = Form(""), password: str = Form(""),
           next: str = Form("/"), csrf_token: str = Form(""),
           now: datetime = Depends(get_now)) -> Response:
    """Check the password; five failures in 15 minutes for an address + IP, or ten for an
    address from anywhere, lock it until the window has room again."""
    _multi_user(request)
    accounts = request.app.state.accounts
    email = email.strip()[:254]
    key = f"{email.lower()}|{_client_ip(request)}"
    account_key = f"account|{email.lower()}"
    wait = max(_locked_for(accounts, key, MAX_FAILURES, FAILURE_WINDOW, now),
               _locked_for(accounts, account_key, MAX_ACCOUNT_FAILURES, FAILURE_WINDOW, now))
    if wait:
        return _too_many(request, "auth/signin.html", wait, field="email", email=email,
                         next_url=_safe_next(next))
    account = accounts.account_by_email(email) if email else None
    if account is None or not verify_password(account.password_hash, password[:PASSWORD_MAX]):
        if account is None and email:
            verify_password(None, password[:PASSWORD_MAX])
        accounts.record_signin_failure(key, at=now)
        accounts.record_signin_failure(account_key, at=now)
        return _form_page(request, "auth/signin.html", status=422, email=email, errors={
            "email": _message(request, "signin_wrong")},
            next_url=_safe_next(next))
    accounts.clear_signin_failures(key)
    return _start_session(request, account.id, now, next)


@router.get("/signup", response_class=HTMLResponse, include_in_schema=False)
def signup_page(request: Request) -> Response:
    _multi_user(request)
    if getattr(request.state, "user", None):
        return RedirectResponse("/", status_code=303)
    return _form_page(request, "auth/signup.html")


@router.post("/signup", response_class=HTMLResponse, include_in_schema=False)
def signup(request: Request, email: str = Form(""), password: str = Form(""),
           csrf_token: str = Form(""), now: datetime = Depends(get_now)) -> Response:
    _multi_user(request)
    from backspasm.store import ConflictError, StoreError
    from backspasm.store.accounts import normalise_email

    errors: dict[str, str] = {}
    email = email.strip()[:254]
    try:
        normalise_email(email)
    except StoreError:
        errors["email"] = _message(request, "email_invalid")
    problem = password_problem(password, email)
    if problem:
        errors["password"] = _message(request, problem, minimum=PASSWORD_MIN,
                                      maximum=PASSWORD_MAX)
    if errors:
        return _form_page(request, "auth/signup.html", status=422, errors=errors, email=email)
    settings, accounts = request.app.state.settings, request.app.state.accounts
    signup_key = f"signup|{_client_ip(request)}"  # counted like failures: one per try
    wait = _locked_for(accounts, signup_key, MAX_SIGNUPS, SIGNUP_WINDOW, now)
    if wait:
        return _too_many(request, "auth/signup.html", wait, field="email", email=email)
    accounts.record_signin_failure(signup_key, at=now)
    try:
        account = accounts.create_account(
            email, hash_password(password), tz=settings.timezone, region=settings.region)
    except ConflictError:
        return _form_page(request, "auth/signup.html", status=422, email=email, errors={
            "email": _message(request, "email_taken")})
    return _start_session(request, account.id, now, "/")


@router.post("/signout", include_in_schema=False)
def signout(request: Request, csrf_token: str = Form("")) -> Response:
    _multi_user(request)
    request.app.state.accounts.end_session(
        request.cookies.get(cookie_name(request, SESSION_COOKIE)))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(cookie_name(request, SESSION_COOKIE), path="/",
                           secure=request.app.state.settings.secure_cookies)
    response.headers["clear-site-data"] = CLEAR_SITE_DATA
    return response
