"""Who is asking: accounts, sessions, CSRF and sign-in rate limiting.

Personal mode (the default): one local profile and no sign-in; a request from another
web site (an ``Origin`` that is not this app) may not change anything.
Multi-user mode (``Settings.multi_user``): e-mail + password (argon2id), a random session
id in an HttpOnly, SameSite=Lax cookie (``Secure`` over https) whose hash is stored in the
database with a CSRF token tied to it, and failed sign-ins counted in the database per
address + IP. Nothing lives in process memory, so any number of workers can share the load.

:func:`guard` runs before every route included after this module (``setup`` adds it to the
app's router): it resolves the session and checks the CSRF token of every unsafe request.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backspasm.web.deps import get_now
from backspasm.web.errors import problem, problem_response
from backspasm.web.templating import render

router = APIRouter()

SESSION_COOKIE = "bs_session"
#: Over https (``Settings.secure_cookies``) cookie names carry this prefix: the browser then
#: accepts them only with Secure, Path=/ and no Domain, so no sub-domain can plant one.
HOST_PREFIX = "__Host-"
#: Anonymous CSRF cookie (double submit) for the sign-in and sign-up forms.
ANON_COOKIE = "bs_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_DAYS = 30
#: Sign-in rate limit: at most this many failures per address + IP in the window...
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
#: ...and at most this many per address from anywhere (so changing IP does not help). A
#: locked sign-in is not checked and not counted, so the lock lifts at the latest one
#: window after the failure that set it (``Retry-After`` says when, to the second).
MAX_ACCOUNT_FAILURES = 10
#: Sign-ups: at most this many per client IP in the window.
MAX_SIGNUPS, SIGNUP_WINDOW = 20, timedelta(hours=1)
PASSWORD_MIN, PASSWORD_MAX = 10, 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Sent on sign-out and "Delete everything": the browser drops cached pages (service
#: worker caches included), storage (the timer's localStorage) and cookies of this site.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
CSRF_MESSAGE = ("csrf_token: this form has expired or did not come from this app. "
                "Go back, reload the page and try again.")


class SignInRequired(Exception):
    """The request needs a signed-in account (→ a redirect to /signin, or 401 in the API)."""


@dataclass(frozen=True)
class User:
    email: str
    account_id: int


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is refused (a sentence for the form), or None."""
    if len(password) < PASSWORD_MIN:
        return f"Enter a password of at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"Enter a password of at most {PASSWORD_MAX} characters"
    if len(set(password)) == 1:
        return "Enter a password that is not one character repeated"
    from backspasm.web.passwords import is_common

    if is_common(password) or password.strip().lower() == email.strip().lower():
        return ("This password is one of the most common, so it is easy to guess. "
                "Try three or four unrelated words")
    return None


def cookie_name(request: Request, name: str) -> str:
    """``name``, with the ``__Host-`` prefix when cookies are Secure."""
    return HOST_PREFIX + name if request.app.state.settings.secure_cookies else name


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile defaults


# A hash to verify against when the address is unknown, so both cases take as long.
_DUMMY_HASH: str | None = None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    global _DUMMY_HASH
    if stored is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_urlsafe(16))
        stored, password = _DUMMY_HASH, password + "\x00never"
    try:
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


# --- the guard: session, CSRF, same origin -------------------------------------------------

def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _cross_origin(request: Request) -> bool:
    """True when the browser says the request comes from another site or origin.

    ``Sec-Fetch-Site`` first, then ``Origin`` against ``Host``. ``Origin: null`` counts as
    cross-site unless ``Sec-Fetch-Site`` says same-origin (our ``Referrer-Policy:
    same-origin`` makes browsers send the real Origin on our own forms)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("origin")
    if not origin:
        return False
    if origin == "null":  # a sandboxed frame, a data: page, or a privacy redirect: unknown,
        return fetch_site != "same-origin"  # so cross-site unless the browser says otherwise
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc.lower() != host.lower()


async def _submitted_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        try:
            form = await request.form()
        except Exception:
            return ""
        value = form.get("csrf_token")
        return value if isinstance(value, str) else ""
    return ""


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


async def guard(request: Request, now: datetime = Depends(get_now)) -> None:
    """Resolve the session; refuse unsafe requests without the right CSRF token."""
    state = request.app.state
    unsafe = request.method not in SAFE_METHODS
    if unsafe and _cross_origin(request):
        raise HTTPException(403, CSRF_MESSAGE)
    if not state.settings.multi_user:
        return
    info = await run_in_threadpool(
        state.accounts.session, request.cookies.get(cookie_name(request, SESSION_COOKIE)),
        now=now)
    if info is not None:
        request.state.user = User(info.email, info.account_id)
        request.state.profile_id = info.profile_id
        request.state.csrf_token = info.csrf_token
        expected = info.csrf_token
    else:
        cookie = request.cookies.get(cookie_name(request, ANON_COOKIE), "")
        if not (20 <= len(cookie) <= 100 and cookie.replace("-", "").replace("_", "").isalnum()):
            cookie = ""
            request.state.new_anon_csrf = secrets.token_urlsafe(32)
        request.state.csrf_token = cookie or request.state.new_anon_csrf
        expected = cookie
        if _is_api(request):
            return  # no session: nothing ambient to abuse; routes that need one say 401
    if unsafe and not _same(await _submitted_token(request), expected):
        raise HTTPException(403, CSRF_MESSAGE)


def resolve_profile(request: Request) -> int:
    """``deps.get_profile_id`` in multi-user mode: the signed-in account's profile."""
    pid = getattr(request.state, "profile_id", None)
    if pid is None:
        raise SignInRequired()
    return pid


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:200]
    return "/"


async def _sign_in_required(request: Request, exc: SignInRequired) -> Response:
    if _is_api(request):
        return problem(401, "session: sign in first (send the session cookie)",
                       field="session", expected="a signed-in session")
    target = "/signin"
    if request.method == "GET" and request.url.path not in ("/", "/signin"):
        from urllib.parse import quote

        target += "?next=" + quote(request.url.path, safe="/")
    return RedirectResponse(target, status_code=303)


def setup(app: FastAPI) -> None:
    """Install the guard on every later router, and the multi-user profile resolver."""
    app.router.dependencies.append(Depends(guard))
    app.add_exception_handler(SignInRequired, _sign_in_required)  # type: ignore[arg-type]
    if app.state.settings.multi_user:
        from backspasm.store.accounts import Accounts

        app.state.accounts = Accounts(app.state.store)
        app.state.profile_resolver = resolve_profile


# --- pages -------------------------------------------------------------------------------

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
    titles = {"auth/signin.html": "Sign in", "auth/signup.html": "Create an account"}
    from backspasm.web.pages.triage import emergency_signs_context, server_region

    title = ("Error: " if errors else "") + titles[name]
    state = request.app.state
    ctx = emergency_signs_context(state.kb, *server_region(state.kb, state.settings))  # H20
    ctx.update({"title": title, "errors": errors or {}, "email": email[:254], "next": next_url,
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
    response = _form_page(request, name, status=429, errors={
        field: f"Too many tries. Wait {minutes} minute{'s' if minutes != 1 else ''}, "
               "then try again."}, **ctx)
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
            "email": "The e-mail address or the password is not right."},
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
        errors["email"] = "Enter an e-mail address, like name@example.com"
    problem = password_problem(password, email)
    if problem:
        errors["password"] = problem
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
            "email": "There is already an account for this e-mail address. Sign in instead."})
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


@router.get(
    "/api/v1/session",
    tags=["api"],
    summary="The signed-in account and its CSRF token",
    description=(
        "Multi-user mode: the e-mail address of the signed-in account and the CSRF token that "
        "every POST, PUT or DELETE with the session cookie must send in `X-CSRF-Token`. "
        "Personal mode: no accounts (`multi_user` false)."),
    responses={200: {"description": "The session.", "content": {"application/json": {
        "schema": {"type": "object", "properties": {
            "multi_user": {"type": "boolean"}, "email": {"type": ["string", "null"]},
            "csrf_token": {"type": ["string", "null"]}}}}}},
        401: problem_response("Multi-user mode, and no signed-in session."),
        403: problem_response("A request from another web site."),
        422: problem_response("Invalid input.")},
)
def api_session(request: Request) -> JSONResponse:
    if not request.app.state.settings.multi_user:
        return JSONResponse({"multi_user": False, "email": None, "csrf_token": None})
    user = getattr(request.state, "user", None)
    if user is None:
        raise SignInRequired()
    return JSONResponse({"multi_user": True, "email": user.email,
                         "csrf_token": request.state.csrf_token})
