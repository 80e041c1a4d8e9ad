"""The web app: ``create_app(settings)`` builds one FastAPI application.

Routers live one per area in their own modules (``pages/*.py`` for HTML, ``api/*.py`` for
JSON); each exposes ``router``, and may expose ``NAV = (order, key, path)`` for the top
navigation (its label is pages.yaml ``nav.<key>``) and ``setup(app)`` to install middleware
or state. ``auth.setup`` runs first, so its guard runs before every route of every router.
Every module is imported by name: a missing one stops the app (fail closed: without
``auth`` every request would reach the local profile unguarded).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import FileResponse, Response

from backspasm import __version__
from backspasm.knowledge import load_knowledge
from backspasm.knowledge.messages import say
from backspasm.web import errors
from backspasm.web.api import contract
from backspasm.web.assets import Assets, StaticAssets, StaticMount
from backspasm.web.hosts import allowed_hosts
from backspasm.web.security import SecurityHeaders
from backspasm.web.settings import Settings
from backspasm.web.templating import make_templates

STATIC_DIR = Path(__file__).parent / "static"
#: Worker threads for the plain ``def`` routes (anyio's default is 40). Under the database
#: pool's size (5): more threads queue for the pool, open and close overflow connections
#: and contend for the GIL. Measured at 50 connections (bench/bench_speed.py), /diary costs
#: 3.8 ms CPU a request with 1 thread, 4.4 with 2 and 5.3 with 4; two, not one, so that a
#: slow request (a PDF report, about a second) never holds every other page, the start
#: page with the emergency signs included.
WORKER_THREADS = 2


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    # The requests of one turn of this loop share the diary's change number (store/watch.py).
    watch = app.state.store.watch()
    if watch is not None:
        watch.share_turns(asyncio.get_running_loop())
    yield
    if watch is not None:
        watch.share_turns(None)
    app.state.store.close()


#: The service worker's list of pages it keeps for offline use, and its cache name.
_SW_PAGES = "var OFFLINE_PAGES = /^\\/(plan|timer|diary|learn)?(\\/|$)/;"
_SW_CACHE = 'var CACHE = "backspasm-v1";'


def service_worker_source(multi_user: bool, assets: Assets | None = None) -> str:
    """``sw.js``; in multi-user mode it keeps no pages (they hold one person's health data
    and a shared browser would show them to the next person offline) and uses another
    cache name, so activating it deletes pages a personal-mode worker kept. With
    ``assets``, it names the hashed asset URLs the pages link to."""
    source = (STATIC_DIR / "sw.js").read_text("utf-8")
    if assets is not None:
        for name in assets.hashed:
            source = source.replace(f'"/static/{name}"', f'"{assets.url(name)}"')
            source = source.replace(f'\\"/static/{name}\\"', f'\\"{assets.url(name)}\\"')
    if not multi_user:
        return source
    if _SW_PAGES not in source or _SW_CACHE not in source:  # fail closed, never cache pages
        raise RuntimeError("sw.js: OFFLINE_PAGES or CACHE line not found")
    return (source.replace(_SW_PAGES, "var OFFLINE_PAGES = /(?!)/;  // multi-user: none")
            .replace(_SW_CACHE, 'var CACHE = "backspasm-mu-v1";'))


def router_modules() -> tuple[Any, ...]:
    """The router modules, in the order their routes are matched."""
    from backspasm.web.api import diary as api_diary
    from backspasm.web.api import docs as api_docs
    from backspasm.web.api import plan as api_plan
    from backspasm.web.api import session as api_session
    from backspasm.web.api import triage as api_triage
    from backspasm.web.pages import (
        about,
        account,
        diary,
        exports,
        learn,
        offline,
        plan,
        privacy,
        settings,
        timer,
        triage,
    )

    # No two routers share a path, so the order decides only how many routes a request is
    # checked against before its own (FastAPI walks them in turn: about 3 µs each router):
    # the triage API (one route, called by other programs) first, then the pages a person
    # opens most, the rest after.
    return (api_triage, triage, plan, diary, api_diary, timer, learn, offline, settings,
            exports, privacy, about, api_plan, api_session, api_docs, account)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (defaults: personal mode, SQLite)."""
    from backspasm.store import open_store
    from backspasm.web.deps import reads_inline
    from backspasm.web.diary_link import DiaryLink
    from backspasm.web.journey import JourneyStore

    settings = settings or Settings()
    hosts = allowed_hosts(settings)  # multi-user without a valid public_url fails here
    app = FastAPI(
        title="backspasm",
        version=__version__,
        description=(
            "Triage for an acute episode of lower back spasm, and a timed self-care plan. "
            "Not a diagnosis. Errors are `application/problem+json` naming the field."
        ),
        openapi_url="/api/openapi.json",
        docs_url=None,  # FastAPI's Swagger UI loads from a CDN: we serve our own page
        redoc_url=None,
        lifespan=_lifespan,
        # FastAPI's OpenTelemetry hooks: off. No exporter is configured, and one set up
        # through the environment would be sent request bodies and exception messages
        # (health data); checking for one cost every request a few microseconds.
        telemetry={"tracing": False, "metrics": False, "logs": False,
                   "operation_spans": False, "auto_configure": False},
    )
    app.state.settings = settings
    app.state.kb = load_knowledge(settings.knowledge_dir)
    app.state.assets = assets = Assets(STATIC_DIR)
    app.state.templates = make_templates(assets, app.state.kb)
    # Migrates on open; a long-lived server keeps its SQLite connections (pooled).
    app.state.store = open_store(settings.database_url, pooled=True)
    app.state.reads_inline = reads_inline(settings, app.state.store)
    app.state.journeys = JourneyStore(app.state.store, keep_hours=settings.journey_hours)
    app.state.diary = DiaryLink(app.state.store, settings, app.state.kb)
    app.state.nav = []

    errors.install(app)
    contract.install(app)
    # Known assets are answered inside the host check and the security headers, before
    # routing; other /static requests reach the mount (404, 405 pages).
    app.add_middleware(StaticAssets, assets=assets)
    # DNS rebinding: answer only our own host names (400 otherwise); see hosts.py.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts,
                       www_redirect=False)
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    if settings.warm_up:
        from backspasm.web.warmup import AfterFirstRequest, warm_up

        app.add_middleware(AfterFirstRequest, work=lambda: warm_up(app.state.templates))
    app.mount("/static", StaticMount(assets), name="static")

    worker = service_worker_source(settings.multi_user, assets)

    @app.get("/sw.js", include_in_schema=False)
    async def service_worker() -> Response:  # no thread hop for a constant
        # Served from the root so its scope covers every page.
        return Response(worker, media_type="text/javascript",
                        headers={"cache-control": "no-cache", "service-worker-allowed": "/"})

    @app.get("/manifest.webmanifest", include_in_schema=False)
    def manifest() -> FileResponse:
        return FileResponse(STATIC_DIR / "manifest.webmanifest",
                            media_type="application/manifest+json",
                            headers={"cache-control": "public, max-age=86400"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "icons" / "icon.svg", media_type="image/svg+xml",
                            headers={"cache-control": "public, max-age=86400"})

    from backspasm.web import auth

    auth.setup(app)  # the guard, before any router is included
    for module in router_modules():
        if hasattr(module, "setup"):  # e.g. middleware or a profile resolver
            module.setup(app)
        app.include_router(module.router)
        if hasattr(module, "NAV"):
            order, key, path = module.NAV
            app.state.nav.append((order, say(f"nav.{key}", stem="pages"), path))
    app.state.nav.sort()
    return app
