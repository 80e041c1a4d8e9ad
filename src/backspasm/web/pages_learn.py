"""Learn: background on back spasm from education.yaml, each section with its sources."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from backspasm.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = (40, "Learn", "/learn")


def _section_sources(edu: dict) -> list[str]:
    seen: list[str] = []
    for section in edu.get("sections", []):
        for sid in section.get("sources", []):
            if sid not in seen:
                seen.append(sid)
        for stretch in section.get("stretches", []) or []:
            for sid in stretch.get("sources", []):
                if sid not in seen:
                    seen.append(sid)
    return seen


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request) -> HTMLResponse:
    edu = request.app.state.kb["education"]
    return render(request, "learn.html", {"title": edu["title"], "edu": edu,
                                          "page_sources": _section_sources(edu)})
