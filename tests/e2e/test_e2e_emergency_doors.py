"""H4 in real Chromium: after an emergency result, "My plan", the ice timer, Learn and
"Calendar and reports" show the emergency card with the tap-to-call link, and no ice
sessions or stretches; the diary shows the card first. On a phone and a desktop."""

from __future__ import annotations

import pytest
from test_e2e_journeys import answer_questions

from conftest import each_size

pytestmark = pytest.mark.browser


@each_size
def test_after_an_emergency_plan_and_timer_show_the_emergency_card(browser, fresh_server,
                                                                   size):
    ctx = browser.new_context(viewport=size)
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        base = fresh_server.url
        # A plan was running (an episode 10 hours old): ice sessions are on it.
        page.goto(base + "/plan")
        page.fill("#hours", "10")
        page.click("button:has-text('Make my plan')")
        assert "Ice" in page.locator("main").inner_text()
        # Then the person checks their symptoms: bladder trouble is an emergency.
        page.goto(base + "/")
        page.click("text=Start now")
        answer_questions(page, {"chest_pain": "no", "fainting_or_collapse": "no",
                                "saddle_numbness": "no", "bladder_bowel_change": "yes"})
        assert page.url.endswith("/triage/stop")
        for path in ("/plan", "/timer/ice", "/learn", "/exports", "/diary"):
            page.goto(base + path)
            main = page.locator("main")
            card = main.locator(".bs-card--emergency")
            assert card.count() == 1, path
            call = card.locator("a[href='tel:999']")
            assert call.count() == 1 and call.is_visible(), path
            box = call.bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] <= size["width"]
            text = main.inner_text()
            if path == "/diary":  # the card comes first; the diary itself stays usable
                assert text.index("Call 999") < text.index("Log care you took")
                continue
            assert "Ice pack" not in text and "Start:" not in text, path
            assert "Gentle stretches" not in text, path
            assert page.locator("#timer, .bs-timeline, a[href^='/timer/']").count() == 0, path
            assert page.locator("a[href='/export/calendar.ics']").count() == 0, path
        assert errors == []  # includes CSP violations
    finally:
        ctx.close()
