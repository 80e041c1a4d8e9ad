"""Issue 8 item 5 in real Chromium at 360 px: the emergency-signs card, generated from the
rules, is on the start, self-care result, plan and timer pages, every sign visible."""

from __future__ import annotations

import pytest
from test_e2e_journeys import SELF_CARE, answer_questions

from backspasm.core.triage import emergency_signs
from backspasm.knowledge import load_knowledge

pytestmark = pytest.mark.browser

SIGNS = [s.text for s in emergency_signs(load_knowledge())]


def _check_card(page) -> None:
    card = page.locator("main [data-signs]")
    assert card.count() == 1
    items = [t.strip() for t in card.locator("li").all_inner_texts()]
    assert items == SIGNS
    assert card.locator("a[href='tel:999']").is_visible()
    # The card fits the phone's width: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_signs_on_start_result_plan_and_timer_pages_at_360px(page, fresh_server):
    assert page.viewport_size["width"] == 360
    page.goto(fresh_server.url + "/")
    _check_card(page)
    page.click("text=Start now")
    answer_questions(page, SELF_CARE)
    page.click("button:has-text('See my result')")
    assert page.url.endswith("/triage/result")
    _check_card(page)
    page.click("text=See my plan")
    assert page.url.endswith("/plan")
    _check_card(page)
    page.goto(fresh_server.url + "/timer/ice")
    _check_card(page)
    assert page.console_errors == []
