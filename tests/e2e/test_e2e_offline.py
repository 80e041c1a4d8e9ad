"""Offline in real Chromium at 360 px (``context.set_offline(True)``): after a first visit
the start page with the emergency signs, the plan, every timer, Learn and the Diary open
without the network; a page never visited shows the offline page (header, menu, emergency
numbers); a pain score logged offline is kept and sent once when the network is back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import PHONE

KEPT = ["/", "/plan", "/timer/ice", "/timer/heat", "/timer/contrast", "/learn", "/diary"]


def _first_visit(page, base: str) -> None:
    """Open the start page and wait until the service worker has kept every page."""
    page.goto(base + "/")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller"
                           " || navigator.serviceWorker.ready.then(() => true)")
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function(
        "paths => Promise.all(paths.map(p => caches.match(p))).then(r => r.every(Boolean))",
        arg=[*KEPT, "/offline"])


@pytest.fixture
def ctx(browser):
    c = browser.new_context(viewport=PHONE)
    yield c
    c.close()


def _h1(page) -> str:
    return page.locator("h1").first.inner_text()


def test_after_a_first_visit_the_main_pages_work_offline(ctx, fresh_server):
    page = ctx.new_page()
    _first_visit(page, fresh_server.url)
    online = {}
    for path in KEPT:
        page.goto(fresh_server.url + path)
        online[path] = _h1(page)
    ctx.set_offline(True)
    for path in KEPT:
        page.goto(fresh_server.url + path)
        assert _h1(page) == online[path], path
        assert _h1(page) != "You are offline", path
    page.goto(fresh_server.url + "/")
    assert page.locator("[data-signs]").count() == 1  # the emergency signs, offline too
    assert page.locator("a[href^='tel:']").count() >= 1


def test_a_page_never_visited_shows_the_offline_page_with_menu_and_numbers(ctx, fresh_server):
    page = ctx.new_page()
    _first_visit(page, fresh_server.url)
    ctx.set_offline(True)
    page.goto(fresh_server.url + "/settings")
    assert _h1(page) == "You are offline"
    assert page.locator("nav[aria-label='Main'] a").count() >= 5  # header and menu
    numbers = sorted(a.get_attribute("href") for a in page.locator("[data-numbers] a").all())
    assert numbers == ["tel:112", "tel:911", "tel:999"]  # no region chosen: every region's
    assert page.locator("[data-signs] li").count() >= 3


def test_pain_logged_offline_is_sent_once_when_back_online(ctx, fresh_server):
    with fresh_server.store() as store:
        pid = store.ensure_profile("local").id
    page = ctx.new_page()
    _first_visit(page, fresh_server.url)
    ctx.set_offline(True)
    page.goto(fresh_server.url + "/diary")
    page.click("button[name=score][value='6']")
    page.wait_for_url("**/offline#queued")
    assert page.locator("#queued").is_visible()
    assert "saved on this device" in page.locator("#queued").inner_text()
    logged_offline = datetime.now(UTC)
    with fresh_server.store() as store:
        assert store.pain_entries(pid) == []
    ctx.set_offline(False)
    page.wait_for_function("""() => fetch('/diary').then(r => r.text())
                              .then(t => t.includes('Pain 6'))""")
    for _ in range(2):  # more pages, more chances to send it again: still one entry
        page.goto(fresh_server.url + "/plan")
        page.goto(fresh_server.url + "/diary")
    with fresh_server.store() as store:
        entries = store.pain_entries(pid)
    assert [e.score for e in entries] == [6]
    assert entries[0].at <= logged_offline  # logged at the time it was given, not sent
