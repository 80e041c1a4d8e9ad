"""Jinja2 templates and the context every page gets (sources, review date, CSRF token).

Templates format dates, numbers and plurals with the filters of
:func:`backspasm.knowledge.formats.jinja_filters` (``{{ n | plural("{n} hour", "{n} hours") }}``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

if TYPE_CHECKING:
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


def make_templates(assets: Assets | None = None) -> Jinja2Templates:
    """The page templates; ``static_url("bs.css")`` in them names an asset by its hashed
    URL (``assets``). Templates are compiled once: the installed files do not change while
    the server runs (Jinja's default checks each file's time on every render)."""
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR), context_processors=[_page_context])
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    templates.env.auto_reload = False
    if assets is not None:
        templates.env.globals["static_url"] = assets.url
    from backspasm.knowledge.formats import jinja_filters

    templates.env.filters.update(jinja_filters())
    return templates


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render ``name`` with ``context`` (plus the page context)."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context or {}, status_code=status_code)


def render_error(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "detail": detail}, status_code=status)
