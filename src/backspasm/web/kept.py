"""Pages worked out from the whole diary, kept until the diary changes or the minute turns.

``/plan``, ``/diary`` and ``/api/v1/status`` read the diary and work out the plan, the
status and the chart from all of it: 2 to 5 ms a request. The start page and the question
pages are kept the same way (the profile's region, the journey under the cookie). Shown
again (a reload, the back button, a second tab, the service worker refreshing its offline
copy), they are the same page until one of the things they depend on changes:

- **the diary**: anything committed to the SQLite file, by this server or by another
  process (``backspasm log pain`` in a terminal), changes its ``data_version``
  (:mod:`backspasm.store.watch`), which drops every kept page;
- **the clock, to the minute**: every time these pages show is to the minute, so a page
  is kept within the minute it was worked out in and worked out again in the next one;
- **the request**: its path and query, and the triage journey cookie (the plan shows
  the journey's answers).

Nothing else reaches these pages in personal mode: no sign-in, no form token, and the
knowledge and settings are fixed for the life of the server. A request with a one-time
note waiting (the flash cookie: "Pain 4 saved") is worked out afresh and never kept.
Multi-user mode keeps nothing (pages carry a person's form token), nor does a database
without a file to watch (PostgreSQL): there every request works its page out.

Only a 200 response that sets no cookie is kept; at most :data:`LIMIT` of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import Any

from fastapi import Request
from starlette.responses import Response

from backspasm.store.watch import KeptUntilChange
from backspasm.web.auth import cookie_name
from backspasm.web.flash import has_flash
from backspasm.web.journey import COOKIE as JOURNEY

#: Most responses kept (all are dropped when full); each is a page of 5 to 100 kB.
LIMIT = 64

Kept = tuple[int, bytes, list[tuple[bytes, bytes]]]


def _kept(request: Request) -> KeptUntilChange[Hashable, Kept] | None:
    """The app's kept responses, made on first use; ``None`` where nothing may be kept."""
    state = request.app.state
    if not hasattr(state, "kept_responses"):
        watch = None
        if state.settings.keep_pages and not state.settings.multi_user:
            watch = state.store.watch()  # None: no SQLite file to watch
        state.kept_responses = (None if watch is None
                                else KeptUntilChange[Hashable, Kept](watch, limit=LIMIT))
    kept: KeptUntilChange[Hashable, Kept] | None = state.kept_responses
    return kept


def key_of(request: Request, now: datetime) -> Hashable | None:
    """What the page of ``request`` at ``now`` depends on besides the diary, or ``None``
    when it may not be kept (see the module's text)."""
    if has_flash(request) or getattr(request.state, "user", None) is not None \
            or getattr(request.state, "csrf_token", ""):
        return None
    return (request.url.path, request.url.query, int(now.timestamp() // 60),
            request.cookies.get(cookie_name(request, JOURNEY)))


async def kept_response(request: Request, now: datetime,
                        work_out: Callable[[], Awaitable[Response]]) -> Response:
    """The response kept for this request at ``now``, else ``await work_out()`` (kept
    for the next request when it may be)."""
    kept = _kept(request)
    key = None if kept is None else key_of(request, now)
    if kept is None or key is None:
        return await work_out()
    seen, found = kept.lookup(key)
    if found is not None:
        status, body, headers = found[0]
        response = Response(status_code=status)
        response.body = body
        response.raw_headers = list(headers)
        return response
    response = await work_out()
    if _keepable(response):
        kept.keep(seen, key, (response.status_code, bytes(response.body),
                              list(response.raw_headers)))
    return response


def _keepable(response: Any) -> bool:
    return (response.status_code == 200 and isinstance(getattr(response, "body", None), bytes)
            and not any(k == b"set-cookie" for k, _ in response.raw_headers))
