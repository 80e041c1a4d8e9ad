"""Jinja2 templates and the context every page gets (sources, review date, CSRF token).

Templates format dates, numbers and plurals with the filters of
:func:`backspasm.knowledge.formats.jinja_filters` (``{{ n | plural("{n} hour", "{n} hours") }}``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.responses import HTMLResponse

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge
    from backspasm.web.assets import Assets

TEMPLATE_DIR = Path(__file__).parent / "templates"


def _page_context(request: Request) -> dict[str, Any]:
    """Values every template may use. ``csrf_token`` is empty in personal mode; the
    multi-user layer sets ``request.state.csrf_token`` and every POST form carries it."""
    kb = request.app.state.kb
    return {
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "kb_version": kb.version,
        "last_reviewed": kb.last_reviewed,
        "all_sources": kb.sources,
        "disclaimer": kb["meta"].get("disclaimer", ""),
        "nav": getattr(request.app.state, "nav", []),
        "multi_user": request.app.state.settings.multi_user,
        "user": getattr(request.state, "user", None),
        "emergency_signs_for_request": lambda: _signs_for(request),
    }


def _signs_for(request: Request) -> dict[str, Any]:
    """The emergency-signs card in this request's region: the signed-in person's profile,
    else (signed out in multi-user mode) the server's region."""
    from backspasm.web.deps import get_profile
    from backspasm.web.views import emergency_signs_context

    state = request.app.state
    if state.settings.multi_user and getattr(request.state, "user", None) is None:
        region = state.settings.region
    else:
        region = get_profile(request)["region"]
    return emergency_signs_context(state.kb, region)


def make_templates(assets: Assets | None = None, kb: Knowledge | None = None) -> Jinja2Templates:
    """The page templates; ``static_url("bs.css")`` in them names an asset by its hashed
    URL (``assets``). Templates are compiled once: the installed files do not change while
    the server runs (Jinja's default checks each file's time on every render).

    ``pictures_for(place, id)`` (``_picture.html``) finds the drawings of the request's
    knowledge, or of ``kb`` for a template rendered without a request (the plan's steps);
    with ``kb`` given, every drawing is read and checked now (a broken one stops start-up)."""
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR), context_processors=[_page_context])
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    templates.env.auto_reload = False
    if assets is not None:
        templates.env.globals["static_url"] = assets.url
    from backspasm.knowledge.formats import jinja_filters

    templates.env.filters.update(jinja_filters())
    templates.env.globals["pictures_for"] = _pictures_global(kb)
    if kb is not None:
        from backspasm.web.pictures import picture_index

        picture_index(kb)
    return templates


def _pictures_global(default_kb: Knowledge | None) -> Callable[..., Any]:
    @pass_context
    def pictures_for(ctx: Any, place: str, pid: str) -> tuple[Any, ...]:
        from backspasm.web.pictures import pictures_for as find

        request = ctx.get("request")
        kb = request.app.state.kb if request is not None else default_kb
        return () if kb is None else find(kb, place, pid)

    return pictures_for


#: Most rendered pages kept by :func:`render` (all are dropped when it is full).
PAGE_CACHE_SIZE = 256


Context = dict[str, Any] | Callable[[], dict[str, Any]] | None


def render(request: Request, name: str, context: Context = None,
           status_code: int = 200, *, cache_key: Hashable | None = None) -> HTMLResponse:
    """Render ``name`` with ``context`` (plus the page context); ``context`` may be a
    function that builds it, called only when the page is rendered.

    ``cache_key``: the caller's promise that ``context`` is fully determined by it and the
    knowledge (e.g. the region and question id). The page is then rendered once and kept,
    per loaded knowledge, per path and key, but only for a request with nothing of its own
    in the page context (no signed-in user, no CSRF token: personal mode, or signed out
    without a form token); any other request is rendered as usual."""
    templates: Jinja2Templates = request.app.state.templates
    if cache_key is None or getattr(request.state, "user", None) is not None \
            or getattr(request.state, "csrf_token", ""):
        return templates.TemplateResponse(request, name, _built(context),
                                          status_code=status_code)
    pages = _page_cache(request)
    key = (name, request.url.path, status_code, cache_key)
    body = pages.get(key)
    if body is None:
        response = templates.TemplateResponse(request, name, _built(context),
                                              status_code=status_code)
        if len(pages) >= PAGE_CACHE_SIZE:
            pages.clear()
        pages[key] = bytes(response.body)
        return response
    return HTMLResponse(body, status_code=status_code)


def _built(context: Context) -> dict[str, Any]:
    if callable(context):
        return context()
    return context or {}


def _page_cache(request: Request) -> dict[Hashable, bytes]:
    """The rendered pages kept for the app's current knowledge (a new knowledge object, e.g.
    reloaded after a change, starts an empty cache)."""
    state = request.app.state
    kb = state.kb
    kept: tuple[Any, dict[Hashable, bytes]] | None = getattr(state, "page_cache", None)
    if kept is None or kept[0] is not kb:
        kept = state.page_cache = (kb, {})
    return kept[1]


def render_error(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "detail": detail}, status_code=status)
