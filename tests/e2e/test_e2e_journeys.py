"""End-to-end journeys in real Chromium against the real server."""

from __future__ import annotations

import re

import pytest

from conftest import running_server

pytestmark = pytest.mark.browser

SELF_CARE = {
    "leg_symptoms": "none", "leg_weakness": "none", "age": "40", "onset": "20",
    "pain_now": "5", "pain_trend": "same", "trigger": "lifting", "episodes_past_3_months": "1",
}


def answer_questions(page, answers: dict[str, str], default: str = "no") -> list[str]:
    """Answer each question page in turn, as a person would; return the ids asked."""
    asked = []
    while (m := re.search(r"/triage/q/(\w+)$", page.url)) is not None:
        qid = m.group(1)
        assert qid not in asked
        asked.append(qid)
        value = answers.get(qid, default)
        radio = page.locator(f'input[type=radio][value="{value}"]')
        if radio.count():
            page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
        else:
            page.fill("#answer", value)
        # The question is the page's only h1.
        assert page.locator("h1").count() == 1
        page.click("button:has-text('Continue')")
        page.wait_for_load_state()
    return asked


def test_self_care_journey_start_to_plan(page, fresh_server):
    page.goto(fresh_server.url + "/")
    assert page.locator("h1").inner_text()
    page.click("text=Start now")
    asked = answer_questions(page, SELF_CARE)
    assert asked[0] == "chest_pain" and "pain_now" in asked
    assert page.url.endswith("/triage/check")
    assert page.locator("h1").inner_text() == "Check your answers"
    # Change one answer through its Change link and come back.
    page.click("a[href='/triage/q/pain_now?change=1']")
    assert page.input_value("#answer") == "5"
    page.fill("#answer", "4")
    page.click("button:has-text('Continue')")
    assert page.url.endswith("/triage/check")
    assert "4" in page.locator("dl").inner_text()
    page.click("button:has-text('See my result')")
    assert page.url.endswith("/triage/result")
    card = page.locator(".bs-card:not([data-signs])")
    assert "self-care" in card.inner_text().lower()
    page.click("text=See my plan")
    assert page.url.endswith("/plan")
    assert "about 20 hours ago" in page.locator("main").inner_text()
    assert page.locator("a[href='/timer/ice']").count() >= 1
    assert page.console_errors == []  # includes CSP violations
    with fresh_server.store() as store:
        pid = store.ensure_profile("local").id
        assert store.latest_triage(pid).level == "self_care"
        assert store.current_episode(pid) is not None


def test_emergency_answer_ends_the_journey_at_once(page, live_server):
    page.goto(live_server.url + "/")
    page.click("text=Start now")
    asked = answer_questions(page, {"chest_pain": "no", "fainting_or_collapse": "no",
                                    "saddle_numbness": "yes"})
    assert asked == ["chest_pain", "fainting_or_collapse", "saddle_numbness"]
    assert page.url.endswith("/triage/stop")
    h1 = page.locator("h1").inner_text()
    assert "A&E" in h1 or "hospital" in h1.lower()
    assert page.locator("a[href='tel:999']").count() >= 1
    assert "emergency" in page.locator(".bs-emergency__tag").inner_text().lower()
    assert page.console_errors == []


def test_a_query_parameter_cannot_change_the_timer_length(page, live_server):
    """H28: ?seconds= once ran a 60-minute ice session; only plan.yaml sets lengths."""
    page.goto(live_server.url + "/timer/ice?seconds=3600")
    assert page.locator("#countdown").inner_text() == "20:00"


def test_timer_finishes_and_is_logged(page, tmp_path):
    # The test-only setting (serve --timer-stage-seconds), never a request, shortens it.
    with running_server(tmp_path / "t.db", "--timer-stage-seconds", "2") as server:
        _timer_finishes_and_is_logged(page, server)


def _timer_finishes_and_is_logged(page, live_server):
    with live_server.store() as store:
        pid = store.ensure_profile("local").id
        before = len(store.care_entries(pid))
    page.goto(live_server.url + "/timer/ice")
    assert page.locator("#countdown").inner_text() == "0:02"
    page.click("#start")
    page.wait_for_selector("#timer[data-running='true']")
    page.wait_for_selector("#timer[data-logged='true']", timeout=20_000)
    status = page.locator("#status").inner_text()
    assert "Take the ice pack off now" in status and "Saved in your diary" in status
    assert page.locator("#countdown").inner_text() == "0:00"
    with live_server.store() as store:
        entries = store.care_entries(pid)
    assert len(entries) == before + 1 and entries[-1].kind == "ice"
    assert page.console_errors == []


def test_timer_keeps_time_across_a_reload(page, tmp_path):
    with running_server(tmp_path / "t.db", "--timer-stage-seconds", "30") as server:
        _timer_keeps_time_across_a_reload(page, server)


def _timer_keeps_time_across_a_reload(page, live_server):
    page.goto(live_server.url + "/timer/heat")
    page.click("#start")
    page.wait_for_selector("#timer[data-running='true']")
    page.wait_for_timeout(1500)
    page.reload()
    page.wait_for_selector("#timer[data-running='true']")
    left = page.locator("#countdown").inner_text()
    assert left != "0:30"  # resumed from the saved start time, not from the top
    page.click("#stop")
    assert "Stopped" in page.locator("#status").inner_text()


def test_timer_without_javascript_shows_start_and_end(browser, live_server):
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        pg = ctx.new_page()
        pg.goto(live_server.url + "/timer/ice")
        pg.click("#start")
        text = pg.locator("main").inner_text()
        assert "Started at" in text and "Ends at" in text
        pg.click("button:has-text('I have finished')")
        assert "Saved in your diary" in pg.locator("#status").inner_text()
    finally:
        ctx.close()


def test_plan_page_works_offline_after_a_first_visit(page, context, live_server):
    page.goto(live_server.url + "/plan")
    if page.locator("#hours").count():  # no episode yet: make one
        page.fill("#hours", "12")
        page.click("button:has-text('Make my plan')")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.ready")
    page.wait_for_function(
        "caches.open('backspasm-v1').then(c => c.match('/plan')).then(r => !!r)",
        polling=100)
    heading = page.locator("main h2").first.inner_text()
    context.set_offline(True)
    try:
        page.goto(live_server.url + "/plan")
        assert page.locator("h1").inner_text() == "My plan"
        assert page.locator("main h2").first.inner_text() == heading
        # The stylesheet came from the cache too.
        color = page.evaluate(
            "getComputedStyle(document.querySelector('.bs-header')).backgroundColor")
        assert color == "rgb(36, 80, 95)"
    finally:
        context.set_offline(False)
