"""Accessibility: axe-core finds no WCAG 2.1 A/AA violations on every page, at phone and
desktop sizes; touch targets are at least 44 px; text can grow to 200%."""

from __future__ import annotations

import pytest

from conftest import PHONE, assert_no_axe_violations, each_size, sideways_overflow

pytestmark = pytest.mark.browser


def _question_with_error(page, base):
    page.goto(base + "/")
    page.click("text=Start now")
    page.click("button:has-text('Continue')")  # nothing chosen: an error


def _number_question(page, base):
    page.goto(base + "/")
    page.click("text=Start now")
    page.goto(base + "/triage/q/age")


def _check(page, base):
    page.goto(base + "/")
    page.click("text=Start now")
    from test_e2e_journeys import SELF_CARE, answer_questions

    answer_questions(page, SELF_CARE)


def _result(page, base):
    _check(page, base)
    page.click("button:has-text('See my result')")


def _stop(page, base):
    page.goto(base + "/")
    page.click("text=Start now")
    page.click("label:has-text('Yes')")
    page.click("button:has-text('Continue')")


def _timer_running(page, base):
    page.goto(base + "/timer/contrast")
    page.click("#start")
    page.wait_for_selector("#timer[data-running='true']")


def _timer_no_js_started(page, base):
    page.goto(base + "/timer/ice")
    # Drop the script's submit handler (a clone has no listeners): the plain form posts.
    page.evaluate("""() => { const f = document.getElementById('start-form');
                            f.replaceWith(f.cloneNode(true)); }""")
    with page.expect_navigation():
        page.click("#start")
    page.wait_for_selector("text=Ends at")


PAGES = {
    "start": lambda p, b: p.goto(b + "/"),
    "learn": lambda p, b: p.goto(b + "/learn"),
    "question-yes-no": lambda p, b: (p.goto(b + "/"), p.click("text=Start now")),
    "question-error": _question_with_error,
    "question-number": _number_question,
    "check-answers": _check,
    "result": _result,
    "stop": _stop,
    "plan": lambda p, b: p.goto(b + "/plan"),
    "timer": lambda p, b: p.goto(b + "/timer/ice"),
    "timer-running": _timer_running,
    "timer-started-no-js": _timer_no_js_started,
    "api-docs": lambda p, b: p.goto(b + "/api/docs"),
    "exports": lambda p, b: p.goto(b + "/exports"),
    "not-found": lambda p, b: p.goto(b + "/nothing-here"),
}


#: Pages checked for 44 px targets and 200% text, beyond the axe list (H21).
MORE_PAGES = {
    **PAGES,
    "diary": lambda p, b: p.goto(b + "/diary"),
    "settings": lambda p, b: p.goto(b + "/settings"),
    "privacy": lambda p, b: p.goto(b + "/privacy"),
}
TARGET_PAGES = ["start", "question-yes-no", "check-answers", "plan", "timer", "stop",
                "result", "diary", "settings", "exports"]


@pytest.fixture(scope="module")
def ensure_episode(live_server):
    """The plan page needs an episode; make one so the full plan is checked."""
    from datetime import UTC, datetime, timedelta

    with live_server.store() as store:
        pid = store.ensure_profile("local", tz="Europe/London").id
        if store.current_episode(pid) is None:
            store.start_episode(pid, onset=datetime.now(UTC) - timedelta(hours=30))


@each_size
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(browser, live_server, ensure_episode, name, size):
    assert_no_axe_violations(browser, live_server.url, name, PAGES[name], size)


@pytest.mark.parametrize("name", TARGET_PAGES)
def test_touch_targets_are_at_least_44px(browser, live_server, ensure_episode, name):
    ctx = browser.new_context(viewport=PHONE)
    try:
        page = ctx.new_page()
        MORE_PAGES[name](page, live_server.url)
        small = page.evaluate("""() => [...document.querySelectorAll(
              'main button, main .bs-button, main input[type=radio],'
              + ' .bs-choice:not(.bs-choice--divider), .bs-back,'
              + ' .bs-nav a, .bs-summary__change, main input[type=text], main select,'
              + ' main textarea, main .bs-call a, .bs-account a, .bs-account button')]
            .filter(el => el.offsetParent !== null)
            .map(el => {
              const box = (el.matches('input[type=radio]') ? el.closest('.bs-choice') : el)
                .getBoundingClientRect();
              return {el: el.outerHTML.slice(0, 80), h: box.height, w: box.width};
            })
            .filter(b => b.h < 44 || b.w < 44)""")
        assert small == [], small
    finally:
        ctx.close()


@pytest.mark.parametrize("name", TARGET_PAGES)
def test_readable_at_200_percent_text(browser, live_server, ensure_episode, name):
    ctx = browser.new_context(viewport=PHONE, bypass_csp=True)
    try:
        page = ctx.new_page()
        MORE_PAGES[name](page, live_server.url)
        page.add_style_tag(content="html { font-size: 200% !important; }")
        overflow = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(el => el.scrollWidth > el.clientWidth + 1
                    && getComputedStyle(el).overflowX !== 'visible'
                    && el.tagName !== 'PRE'
                    // a text box scrolls its own text; hidden labels are clipped on purpose
                    && !['INPUT', 'TEXTAREA'].includes(el.tagName)
                    && !el.closest('.bs-visually-hidden'))
            .map(el => el.tagName + '.' + el.className)""")
        assert overflow == []
        width = sideways_overflow(page)
        assert width <= 0, f"{name}: {width}px sideways scroll at 200% text"
    finally:
        ctx.close()


def test_phone_header_is_a_menu_button_and_the_heading_comes_first(browser, live_server):
    """At 360 px the nav is one "Menu" disclosure (issue 14; it was a sideways-scrolling
    row cut mid-word), so the page's question is near the top; opened, "Check symptoms"
    comes first and every link is on screen; focus shows its outline."""
    ctx = browser.new_context(viewport=PHONE)
    try:
        page = ctx.new_page()
        page.goto(live_server.url + "/")
        page.click("text=Start now")
        header = page.locator(".bs-header").bounding_box()
        h1 = page.locator("main h1").bounding_box()
        assert header["height"] <= 110 and h1["y"] < 200, (header, h1)
        page.click(".bs-nav summary")
        first = page.locator(".bs-nav a").first
        assert first.inner_text() == "Check symptoms"
        last = page.locator(".bs-nav a").last
        last.focus()
        box = last.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
        assert last.evaluate("a => getComputedStyle(a).outlineStyle") == "solid"
        assert sideways_overflow(page) <= 0
    finally:
        ctx.close()
