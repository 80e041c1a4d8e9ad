"""About this app (what it is, the content's version and review, the API) and Sources
(every source the advice cites, in plain words). Public in multi-user mode: nothing here
is about the person. The developer facts (knowledge version, API) live here, not on the
pages a person in pain reads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from backspasm import __version__
from backspasm.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    kb = request.app.state.kb
    return render(request, "about.html", lambda: {
        "title": "About this app", "meta": kb["meta"], "kb_version": kb.version,
        "app_version": __version__}, cache_key="about")


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request) -> HTMLResponse:
    kb = request.app.state.kb
    return render(request, "sources.html", lambda: {
        "title": "Sources", "sources": kb["sources"]["sources"]}, cache_key="sources")
