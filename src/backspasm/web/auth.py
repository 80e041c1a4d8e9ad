"""Who is asking: sessions, CSRF and the profile of a request.

Personal mode (the default): one local profile and no sign-in; a request from another
web site (an ``Origin`` that is not this app) may not change anything.
Multi-user mode (``Settings.multi_user``): a random session id in an HttpOnly,
SameSite=Lax cookie (``Secure`` over https) whose hash is stored in the database with a
CSRF token tied to it. Nothing lives in process memory, so any number of workers can share
the load. The sign-in, sign-up and sign-out pages are ``pages/account.py``; passwords are
``passwords.py``.

:func:`guard` runs before every route of every router (``setup`` adds it to the app's
router before they are included): it resolves the session and checks the CSRF token of
every unsafe request.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from backspasm.web.deps import get_now
from backspasm.web.errors import problem

SESSION_COOKIE = "bs_session"
#: Over https (``Settings.secure_cookies``) cookie names carry this prefix: the browser then
#: accepts them only with Secure, Path=/ and no Domain, so no sub-domain can plant one.
HOST_PREFIX = "__Host-"
#: Anonymous CSRF cookie (double submit) for the sign-in and sign-up forms.
ANON_COOKIE = "bs_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_DAYS = 30
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Sent on sign-out and "Delete everything": the browser drops cached pages (service
#: worker caches included), storage (the timer's localStorage) and cookies of this site.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


class SignInRequired(Exception):
    """The request needs a signed-in account (→ a redirect to /signin, or 401 in the API)."""


@dataclass(frozen=True)
class User:
    email: str
    account_id: int


def cookie_name(request: Request, name: str) -> str:
    """``name``, with the ``__Host-`` prefix when cookies are Secure."""
    return HOST_PREFIX + name if request.app.state.settings.secure_cookies else name


# --- the guard: session, CSRF, same origin -------------------------------------------------

def is_api(request: Request) -> bool:
    """True for a request to the JSON API (``/api/...``)."""
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


class SameOrigin:
    """:func:`guard` of personal mode, with nothing to resolve: refuse an unsafe request
    from another site (403, the page or problem the app's handler makes of it).

    Plain ASGI middleware, not a dependency: it runs before routing, so it covers every
    route, and no route of personal mode has a dependency to solve for it (the first
    dependency of a route costs FastAPI about 0.02 ms a request, more than the check)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            request = Request(scope, receive)
            if _cross_origin(request):
                app = scope["app"]
                handler = app.exception_handlers[StarletteHTTPException]
                response = await handler(request, _refused(request))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def guard(request: Request, now: datetime = Depends(get_now)) -> None:
    """Resolve the session; refuse unsafe requests without the right CSRF token."""
    state = request.app.state
    unsafe = request.method not in SAFE_METHODS
    if unsafe and _cross_origin(request):
        raise _refused(request)
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
        if is_api(request):
            return  # no session: nothing ambient to abuse; routes that need one say 401
    if unsafe and not _same(await _submitted_token(request), expected):
        raise _refused(request)


def _refused(request: Request) -> HTTPException:
    """403 for a change that did not come from this app: a page's words for a form, the
    API's for a program (which sends no form, but an origin and a CSRF header)."""
    web = request.app.state.kb["web"]
    return HTTPException(403, web["csrf_api"] if is_api(request) else web["csrf"])


def resolve_profile(request: Request) -> int:
    """``deps.get_profile_id`` in multi-user mode: the signed-in account's profile."""
    pid = getattr(request.state, "profile_id", None)
    if pid is None:
        raise SignInRequired()
    return pid


async def _sign_in_required(request: Request, exc: SignInRequired) -> Response:
    if is_api(request):
        return problem(401, "session: sign in first (send the session cookie)",
                       field="session", expected="a signed-in session")
    target = "/signin"
    if request.method == "GET" and request.url.path not in ("/", "/signin"):
        from urllib.parse import quote

        target += "?next=" + quote(request.url.path, safe="/")
    return RedirectResponse(target, status_code=303)


def setup(app: FastAPI) -> None:
    """Install the guard: in multi-user mode on every router included after this call, with
    the profile resolver; in personal mode as :class:`SameOrigin`, inside every middleware
    (the host check, the security headers)."""
    multi_user = app.state.settings.multi_user
    if multi_user:
        app.router.dependencies.append(Depends(guard))
    else:  # innermost: its 403 passes through the security headers like every response
        app.user_middleware.append(Middleware(SameOrigin))
    app.add_exception_handler(SignInRequired, _sign_in_required)  # type: ignore[arg-type]
    if multi_user:
        from backspasm.store.accounts import Accounts

        app.state.accounts = Accounts(app.state.store)
        app.state.profile_resolver = resolve_profile
