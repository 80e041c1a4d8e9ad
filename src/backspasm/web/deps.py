"""Request dependencies shared by every router: knowledge, settings, clock, profile.

``get_profile_id`` is THE place that says whose data a request may touch. In personal
mode it is the one local profile; the multi-user layer extends it (signed-in account →
its profile, else 401/redirect). Routers never decide this themselves.

The cheap dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in a
worker thread, and three to five thread hops per request cost more than the work they do.
Only ``get_profile`` (a database read) stays a plain function.

:func:`read_db` is how an ``async`` route runs a read of the diary (and the page built
from it): on the event loop where that is cheaper than a thread hop (personal mode on
SQLite), else in a worker thread.
"""

from __future__ import annotations

from asyncio import sleep
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from backspasm.knowledge import Knowledge

T = TypeVar("T")


def reads_inline(settings: Any, store: Any) -> bool:
    """May reads run on the event loop (:func:`read_db`)? Personal mode on SQLite only.

    There the database is a file on this machine, and in WAL mode a reader never waits
    for a writer: a page's reads take tens of microseconds, while the hop to a worker
    thread and back costs about 0.13 ms of CPU a request (bench/bench_speed.py), more than
    the work it moves. PostgreSQL reads wait for the network, and a multi-user page may
    write (a journey claimed after sign-in): those keep to worker threads.
    """
    return not settings.multi_user and store.engine.dialect.name == "sqlite"


async def read_db(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``: light work that reads the diary and writes nothing (a page's reads
    and its rendering, well under a millisecond). Here, on the event loop, when
    :func:`reads_inline` said so when the app was built (``app.state.reads_inline``); else
    in a worker thread. Writes always go to a worker thread (a busy SQLite is waited for
    there, never on the loop), and so do heavy pages (the plan, the diary, status: 2-3 ms
    each), which on the loop made the others wait: at 50 busy connections their slowest
    1% took 1.4-1.9 s there, against 0.2-0.3 s from the threads' queue."""
    if getattr(request.app.state, "reads_inline", False):
        # One turn of the loop first: requests that came in before this one go first (at 50
        # busy connections, without it some waited 30 times the median).
        await sleep(0)
        return fn(*args)
    return await run_in_threadpool(fn, *args)


async def get_kb(request: Request) -> Knowledge:
    return request.app.state.kb


def utc_now() -> datetime:
    """The current time, for code that runs outside a request's dependencies."""
    return datetime.now(UTC)


async def get_now() -> datetime:
    """The current time (the one clock read of a request; tests override this)."""
    return datetime.now(UTC)


async def request_now(request: Request) -> datetime:
    """:func:`get_now` for a route that takes no dependencies (each costs FastAPI's
    solving): the function put in its place (``app.dependency_overrides``), if any."""
    return await request.app.dependency_overrides.get(get_now, get_now)()


async def get_profile_id(request: Request) -> int:
    """The profile whose data this request may read and write.

    Personal mode: the one local profile, created on first use (that first request reads
    the database in a worker thread; later ones use the id kept on the app).
    """
    state = request.app.state
    resolver = getattr(state, "profile_resolver", None)
    if resolver is not None:
        return resolver(request)
    cached = getattr(state, "local_profile_id", None)
    if cached is not None:
        return cached
    return await run_in_threadpool(profile_id_of, request)


def profile_id_of(request: Request) -> int:
    """:func:`get_profile_id` for code outside the dependencies (a plain function; in
    personal mode its first call may read the database)."""
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
    """Time zone, waking hours and region of the current profile (plain dict).

    Read once per request: the page's dependency and its emergency-signs card (base.html)
    share the copy kept on ``request.state``.
    """
    kept = getattr(request.state, "profile_settings", None)
    if kept is None:
        state = request.app.state
        kept = state.diary.profile_settings(profile_id_of(request), state.kb)
        request.state.profile_settings = kept
    return kept


async def get_optional_profile_id(request: Request) -> int | None:
    """The profile of this request if there is one without signing in (personal mode's
    local profile, or a signed-in account's), else ``None``: for routes that work for
    anyone (the stateless API) but must still respect a person's region and results."""
    if request.app.state.settings.multi_user:
        return getattr(request.state, "profile_id", None)
    return await get_profile_id(request)
