"""Which ``Host`` the app answers, and the base of the links it builds.

A page on another web site whose name resolves to 127.0.0.1 (DNS rebinding) would send its
own name as ``Host``; answering it would hand that site the diary. Personal mode therefore
answers only the loopback names; multi-user mode only the host of ``Settings.public_url``,
and absolute links (the calendar feed) are built from that URL, never from the request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from backspasm.web.settings import Settings

#: ``Host`` values (without the port) that personal mode answers.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class PublicUrlError(ValueError):
    """``public_url`` is missing or not an http(s) origin; ``str()`` says what is expected."""


def parse_public_url(value: str | None) -> str:
    """``scheme://host[:port]`` without a trailing slash, or :class:`PublicUrlError`."""
    expected = "an http or https address such as https://diary.example.org"
    if not value:
        raise PublicUrlError(f"public_url: expected {expected} (needed with --multi-user)")
    try:
        parts = urlsplit(value.strip())
        port = parts.port  # raises ValueError for a bad port
    except ValueError:
        raise PublicUrlError(f"public_url: expected {expected}, got {value!r}") from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username
            or parts.password or parts.path not in ("", "/") or parts.query or parts.fragment):
        raise PublicUrlError(f"public_url: expected {expected}, got {value!r}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def allowed_hosts(settings: Settings) -> list[str]:
    """Host names (no port) for Starlette's ``TrustedHostMiddleware``."""
    if not settings.multi_user:
        return list(LOOPBACK_HOSTS)
    host = urlsplit(parse_public_url(settings.public_url)).hostname or ""
    return [f"[{host}]" if ":" in host else host]


def absolute_url(request: Request, path: str) -> str:
    """``path`` (starting with ``/``) as a full URL: on ``public_url`` when set, else on the
    request's own origin (personal mode: a loopback name the host check let through)."""
    settings: Settings = request.app.state.settings
    if settings.public_url:
        return parse_public_url(settings.public_url) + path
    return str(request.base_url).rstrip("/") + path
