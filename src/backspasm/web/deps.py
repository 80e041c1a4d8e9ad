"""Request dependencies shared by every router: knowledge, settings, clock, profile.

``get_profile_id`` is THE place that says whose data a request may touch. In personal
mode it is the one local profile; the multi-user layer extends it (signed-in account →
its profile, else 401/redirect). Routers never decide this themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from backspasm.knowledge import Knowledge


def get_kb(request: Request) -> Knowledge:
    return request.app.state.kb


def get_now() -> datetime:
    """The current time (the one clock read of a request; tests override this)."""
    return datetime.now(UTC)


def get_profile_id(request: Request) -> int:
    """The profile whose data this request may read and write.

    Personal mode: the one local profile, created on first use.
    """
    resolver = getattr(request.app.state, "profile_resolver", None)
    if resolver is not None:
        return resolver(request)
    return _local_profile_id(request)


def _local_profile_id(request: Request) -> int:
    state = request.app.state
    cached = getattr(state, "local_profile_id", None)
    if cached is None:
        cached = state.diary.local_profile_id()
        state.local_profile_id = cached
    return cached


def get_profile(request: Request) -> dict[str, Any]:
    """Time zone, waking hours and region of the current profile (plain dict)."""
    return request.app.state.diary.profile_settings(get_profile_id(request), request.app.state.kb)


def get_optional_profile_id(request: Request) -> int | None:
    """The profile of this request if there is one without signing in (personal mode's
    local profile, or a signed-in account's), else ``None``: for routes that work for
    anyone (the stateless API) but must still respect a person's region and results."""
    if request.app.state.settings.multi_user:
        return getattr(request.state, "profile_id", None)
    return get_profile_id(request)
