"""A one-time note after a diary form ("Pain 4 saved at 07:12 — Undo"), without health
data in the URL.

The redirect after a form carries only an anchor (``/diary#saved``). What was done goes
into a short-lived HttpOnly cookie that holds an event word and, for a saved entry, the
entry's id, never a score or a note: the page reads the entry itself from the diary (it
must be the signed-in person's, or nothing is shown) and clears the cookie as it shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from backspasm.web.auth import cookie_name

R = TypeVar("R", bound=Response)

COOKIE = "bs_flash"
#: Seconds the note waits for the page after the redirect.
MAX_AGE = 120
#: The events a note can tell of: an entry saved (with its id), an entry removed, a saved
#: entry taken back ("undone"), an episode ended.
EVENTS = ("pain", "care", "removed", "undone", "ended")
_VALUE = re.compile(r"(pain|care|removed|undone|ended)(?:\.([1-9][0-9]{0,17}))?")


@dataclass(frozen=True)
class Flash:
    event: str
    entry_id: int | None = None


def read_flash(request: Request) -> Flash | None:
    """The note waiting for this page, if any (anything malformed counts as none)."""
    m = _VALUE.fullmatch(request.cookies.get(cookie_name(request, COOKIE), ""))
    if m is None:
        return None
    event, number = m.group(1), m.group(2)
    if (event in ("pain", "care")) != (number is not None):
        return None
    return Flash(event, int(number) if number else None)


def redirect_with_flash(request: Request, url: str, flash: Flash | None) -> RedirectResponse:
    """A 303 to ``url`` (a path and an anchor, nothing else), the note in the cookie."""
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        value = flash.event + (f".{flash.entry_id}" if flash.entry_id is not None else "")
        response.set_cookie(cookie_name(request, COOKIE), value, max_age=MAX_AGE,
                            httponly=True, samesite="strict", path="/",
                            secure=request.app.state.settings.secure_cookies)
    return response


def has_flash(request: Request) -> bool:
    """Is a note's cookie sent (under either name), well-formed or not?"""
    return COOKIE in {k.removeprefix("__Host-") for k in request.cookies}


def clear_flash(request: Request, response: R) -> R:
    """Forget the note once the page has shown it (a reload does not show it again)."""
    if has_flash(request):
        response.delete_cookie(cookie_name(request, COOKIE), path="/",
                               secure=request.app.state.settings.secure_cookies)
    return response
