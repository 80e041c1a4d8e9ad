"""The offline page: what the service worker (static/sw.js) shows for a page not saved on
this device while there is no network. It keeps the header and menu, says which pages work
offline, lists the emergency signs, and gives the emergency number to call: the person's
region if they chose one, else every region's number (a guess could send someone to the
wrong number). Its words are ``offline.*`` in pages.yaml. The worker fetches it once, on
its first visit, and keeps it; it holds nothing of the diary."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from backspasm.knowledge.messages import words
from backspasm.web.deps import get_profile
from backspasm.web.templating import render
from backspasm.web.views import emergency_signs_context

router = APIRouter(include_in_schema=False)

#: Pages the service worker keeps for offline use after a first visit (personal mode);
#: sw.js lists the same paths (tests/test_timer_web.py checks they agree).
OFFLINE_PAGES = ("/", "/plan", "/diary", "/learn")


def emergency_numbers(request: Request) -> list[dict[str, str]]:
    """The numbers to show: the region the person chose, else every region's."""
    state = request.app.state
    kb = state.kb
    records = kb.regions.records
    signed_out = state.settings.multi_user and getattr(request.state, "user", None) is None
    if not signed_out:
        choice = get_profile(request)["region_choice"]
        if choice["source"] in ("override", "profile") and choice["id"] in records:
            record = records[choice["id"]]
            return [{"region": record["name"], "number": record["emergency_number"]}]
    numbers: list[dict[str, str]] = []
    for record in records.values():
        if all(n["number"] != record["emergency_number"] for n in numbers):
            numbers.append({"region": record["name"], "number": record["emergency_number"]})
    return numbers


@router.get("/offline", response_class=HTMLResponse)
def offline_page(request: Request) -> HTMLResponse:
    state = request.app.state
    texts = words("pages")["offline"]
    signs: dict[str, Any] = emergency_signs_context(state.kb, None)["signs"]
    return render(request, "offline.html", {
        "title": texts["title"], "words": texts, "numbers": emergency_numbers(request),
        "signs": signs, "links": _links(request), "page_sources": signs["sources"]})


def _links(request: Request) -> list[tuple[str, str]]:
    """The pages kept for offline use (none in multi-user mode: sw.js keeps none there)."""
    state = request.app.state
    if state.settings.multi_user:
        return []
    from backspasm.core.plan import session_kind

    kb = state.kb
    links = [(label, path) for _order, label, path in state.nav if path in OFFLINE_PAGES]
    for slug in kb.vocabulary.timer_slugs:
        kind = kb.vocabulary.session_of_timer(slug)
        if kind is not None:
            links.append((session_kind(kb, kind)["title"], f"/timer/{slug}"))
    return links
