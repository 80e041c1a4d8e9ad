"""Accessibility on every page (issue 14): axe-core finds no WCAG 2.1 A/AA violations at
phone and desktop sizes, in the light and the dark colour scheme (prefers-color-scheme, so
axe checks the dark colours' contrast too); every tap target is at least 44 px; text can grow
to 200% with no sideways scrolling; keyboard focus is always visible.

A server of our own with a diary full of data (pain, care, a result), so the pages show what
a person in the middle of an episode sees. ``PAGES`` is every page, each with a way to reach
it; a page linked from the menu or the footer that is missing here fails
``test_every_page_in_the_menu_and_footer_is_checked``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from conftest import DESKTOP, PHONE, LiveServer, axe_violations, running_server, sideways_overflow

pytestmark = pytest.mark.browser

#: The server the page openers below act on (set by the ``server`` fixture).
_SERVER: list[LiveServer] = []


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("e2e-a11y") / "a11y.db") as live:
        _SERVER[:] = [live]
        yield live
        _SERVER.clear()


def ready(onset_hours: float = 30) -> None:
    """The diary in the middle of an episode: a profile, an open episode ``onset_hours``
    old, pain scores and care logged, and a calm latest result (a page left by a test on the
    emergency page would otherwise, rightly, hide the plan and the timers)."""
    store_of = _SERVER[0].store
    now = datetime.now(UTC)
    with store_of() as store:
        pid = store.ensure_profile("local", tz="Europe/London").id
        episode = store.current_episode(pid)
        onset = now - timedelta(hours=onset_hours)
        if episode is not None and abs((episode.onset - onset).total_seconds()) > 3600:
            store.end_episode(pid, at=now - timedelta(minutes=1))
            episode = None
        if episode is None:
            store.start_episode(pid, onset=onset, trigger="lifting")
            for hours, score in ((0.5, 7), (0.6, 7), (8, 6), (8.1, 5), (20, 4), (28, 3)):
                if hours < onset_hours:
                    store.log_pain(pid, score=score, at=onset + timedelta(hours=hours),
                                   note="After getting up" if score == 5 else None)
            store.log_care(pid, kind="ice", start=onset + timedelta(hours=1), minutes=20)
            store.log_care(pid, kind="medicine", start=onset + timedelta(hours=2),
                           medicine="ibuprofen")
        latest = store.latest_triage(pid)
        if latest is None or latest.level in ("emergency", "emergency_ambulance"):
            store.save_triage(pid, answers={}, level="self_care", rules=[],
                              knowledge_version="e2e", at=now)


def _opener(path: str, onset_hours: float = 30) -> Callable:
    def open_page(page, base):
        ready(onset_hours)
        page.goto(base + path)
    return open_page


def _start_check(page, base):
    ready()
    page.goto(base + "/")
    page.click("text=Start now")


def _question_with_error(page, base):
    _start_check(page, base)
    page.click("button:has-text('Continue')")  # nothing chosen: an error


def _number_question(page, base):
    _start_check(page, base)
    page.goto(base + "/triage/q/age")


def _number_question_with_error(page, base):
    _number_question(page, base)
    page.fill("#answer", "many")
    page.click("button:has-text('Continue')")


def _answered(answers: dict[str, str]) -> Callable:
    """Check your answers, after the self-care answers (with ``answers`` on top) sent form
    by form as the pages would send them (the clicks are tested in test_e2e_journeys)."""
    def open_page(page, base):
        from test_e2e_journeys import SELF_CARE

        given = {**SELF_CARE, **answers}
        _start_check(page, base)
        url = page.url
        while (m := re.search(r"/triage/q/(\w+)$", url)) is not None:
            response = page.request.post(url, form={"answer": given.get(m.group(1), "no")})
            assert response.ok and response.url != url, (url, response.status)
            url = response.url
        page.goto(url)
        assert page.url.endswith("/triage/check")
    return open_page


def _result(answers: dict[str, str]) -> Callable:
    def open_page(page, base):
        _answered(answers)(page, base)
        page.click("button:has-text('See my result')")
        page.wait_for_url("**/triage/result")
    return open_page


def _stop(first_yes: int) -> Callable:
    """The emergency stop page: "Yes" to question ``first_yes`` (0: chest pain)."""
    def open_page(page, base):
        _start_check(page, base)
        for _ in range(first_yes):
            page.click("label:has-text('No')")
            page.click("button:has-text('Continue')")
        page.click("label:has-text('Yes')")
        page.click("button:has-text('Continue')")
        page.wait_for_url("**/triage/stop")
    return open_page


def _plan_without_episode(page, base):
    ready()
    with _SERVER[0].store() as store:
        pid = store.ensure_profile("local").id
        store.end_episode(pid, at=datetime.now(UTC) - timedelta(seconds=5))
    page.goto(base + "/plan")


def _timer_running(page, base):
    _opener("/timer/contrast", 100)(page, base)
    page.click("#start")
    page.wait_for_selector("#timer[data-running='true']")


def _timer_no_js_started(page, base):
    """A timer started without its script (blocked: the page as a browser without
    JavaScript gets it): the plain form posts and the page says when it ends."""
    page.route(re.compile(r"/static/timer\.[^/]*js$"), lambda route: route.abort())
    _opener("/timer/ice")(page, base)
    with page.expect_navigation():
        page.click("#start")
    page.wait_for_selector("#finished-form")


def _timer_saved(page, base):
    _timer_no_js_started(page, base)
    with page.expect_navigation():
        page.click("#finished-form button")


def _episode_page(page, base):
    ready()
    with _SERVER[0].store() as store:
        pid = store.ensure_profile("local").id
        episode = store.current_episode(pid)
    page.goto(f"{base}/diary/episodes/{episode.id}")


def _diary_saved(page, base):
    _opener("/diary")(page, base)
    with page.expect_navigation():
        page.click("button[name=score][value='4']")


def _diary_end_confirm(page, base):
    _opener("/diary")(page, base)
    with page.expect_navigation():
        page.click("button:has-text('End this episode')")


def _diary_remove_confirm(page, base):
    _diary_saved(page, base)
    with page.expect_navigation():
        page.locator("main .bs-entry__remove button").first.click()
    page.wait_for_selector("h1:has-text('Remove this entry?')")


def _privacy_deleted(page, base):
    ready()
    page.goto(base + "/privacy/delete")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/privacy/deleted")


PAGES: dict[str, Callable] = {
    "start": _opener("/"),
    "learn": _opener("/learn"),
    "question-yes-no": _start_check,
    "question-error": _question_with_error,
    "question-number": _number_question,
    "question-number-error": _number_question_with_error,
    "check-answers": _answered({}),
    "result-self-care": _result({}),
    "result-urgent": _result({"fever_or_unwell": "yes"}),
    "result-appointment": _result({"episodes_past_3_months": "4"}),
    "stop-ambulance": _stop(0),
    "stop-emergency": _stop(2),
    "plan": _opener("/plan"),
    "plan-after-72-hours": _opener("/plan", 100),
    "plan-onset-question": _plan_without_episode,
    "timer": _opener("/timer/ice"),
    "timer-heat": _opener("/timer/heat", 100),
    "timer-contrast": _opener("/timer/contrast", 100),
    "timer-running": _timer_running,
    "timer-started-no-js": _timer_no_js_started,
    "timer-saved": _timer_saved,
    "diary": _opener("/diary"),
    "diary-episode": _episode_page,
    "diary-saved": _diary_saved,
    "diary-end-confirm": _diary_end_confirm,
    "diary-remove-confirm": _diary_remove_confirm,
    "settings": _opener("/settings"),
    "privacy": _opener("/privacy"),
    "privacy-delete": _opener("/privacy/delete"),
    "privacy-deleted": _privacy_deleted,
    "exports": _opener("/exports"),
    "api-docs": _opener("/api/docs"),
    "about": _opener("/about"),
    "sources": _opener("/sources"),
    "offline": _opener("/offline"),
    "not-found": _opener("/nothing-here"),
}
#: The pages as a person reaches them from a link (for the menu and footer check).
LINKED_PATHS = {"/", "/learn", "/plan", "/diary", "/settings", "/privacy", "/exports",
                "/api/docs", "/timer/ice", "/timer/heat", "/timer/contrast", "/about",
                "/sources", "/offline"}

#: Every element a person can tap or type in (inline links in a sentence are exempt, as in
#: WCAG 2.5.8; a radio button or tick box counts as the row it sits in).
_TARGETS_JS = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const inSentence = el => {
    const block = el.closest('p, li, dd, td, th, figcaption, .bs-cite');
    if (el.tagName !== 'A' || !block) return false;
    const walk = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let text = '';
    while (walk.nextNode()) {
      if (!walk.currentNode.parentElement.closest('a')) text += walk.currentNode.textContent;
    }
    return /[A-Za-z]{2,}/.test(text);
  };
  const small = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (el.closest('.bs-visually-hidden, [hidden]') || !el.getClientRects().length) continue;
    let box = el.getBoundingClientRect();
    if (box.right <= 0 || box.bottom <= 0) continue;  // off screen until focused (skip link)
    if (['radio', 'checkbox'].includes(el.type)) {
      box = (el.closest('.bs-choice, label') || el).getBoundingClientRect();
    }
    if (inSentence(el)) continue;
    if (box.height < 43.5 || box.width < 43.5) {
      small.push(`${el.outerHTML.slice(0, 90)} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def _window(browser, size: dict, **options):
    # No service worker: it would serve the timer's script past the block in
    # _timer_no_js_started (the offline tests are test_e2e_offline.py's).
    ctx = browser.new_context(viewport=size, bypass_csp=True, service_workers="block", **options)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    return ctx, page


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["360x740", "1280x800"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(browser, server, name, size):
    """axe-core in the light and then the dark colour scheme (the same page, switched with
    prefers-color-scheme, so the dark colours' contrast is checked), and nothing wider than
    the window."""
    ctx, page = _window(browser, size)
    try:
        PAGES[name](page, server.url)
        page.wait_for_load_state()
        found = {}
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            found[scheme] = axe_violations(page)
        assert found == {"light": [], "dark": []}, f"{name} at {size}: {found}"
        assert sideways_overflow(page) <= 0, f"{name}: sideways scroll"
    finally:
        ctx.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_touch_targets_are_at_least_44px(browser, server, name):
    ctx, page = _window(browser, PHONE)
    try:
        PAGES[name](page, server.url)
        page.wait_for_load_state()
        small = page.evaluate(_TARGETS_JS)
        assert small == [], f"{name}: {small}"
    finally:
        ctx.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_readable_at_200_percent_text(browser, server, name):
    ctx, page = _window(browser, PHONE)
    try:
        PAGES[name](page, server.url)
        page.wait_for_load_state()
        page.add_style_tag(content="html { font-size: 200% !important; }")
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
        overflow = page.evaluate("""() => [...document.querySelectorAll('main *, footer *')]
            .filter(el => el.scrollWidth > el.clientWidth + 1
                    && getComputedStyle(el).overflowX !== 'visible'
                    && el.tagName !== 'PRE'
                    // a text box scrolls its own text; hidden labels are clipped on purpose
                    && !['INPUT', 'TEXTAREA'].includes(el.tagName)
                    && !el.closest('.bs-visually-hidden'))
            .map(el => el.tagName + '.' + el.className)""")
        assert overflow == [], f"{name}: boxes that scroll sideways: {overflow}"
        width = page.evaluate("""[document.documentElement.scrollWidth,
                                  document.documentElement.clientWidth]""")
        assert width[0] <= width[1], f"{name}: {width[0] - width[1]}px sideways scroll at 200%"
    finally:
        ctx.close()


#: Pages with every kind of control (links, buttons, radios, text boxes, menus, details).
FOCUS_PAGES = ["start", "question-yes-no", "question-number", "result-self-care",
               "stop-emergency", "plan", "timer", "diary", "settings", "learn", "exports"]
_FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
  const shadow = cs.boxShadow !== 'none';
  return {el: el.outerHTML.slice(0, 80), visible: ring || shadow,
          outline: cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + cs.outlineColor};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", FOCUS_PAGES)
def test_keyboard_focus_is_always_visible(browser, server, name, scheme):
    """Tab through the whole page: every element that takes focus shows a ring of at least
    2 px (an outline or a shadow), in both colour schemes."""
    ctx, page = _window(browser, PHONE, color_scheme=scheme)
    try:
        PAGES[name](page, server.url)
        page.wait_for_load_state()
        seen, hidden = [], []
        for _ in range(120):
            page.keyboard.press("Tab")
            state = page.evaluate(_FOCUS_JS)
            if state is None or state["el"] in seen:
                break
            seen.append(state["el"])
            if not state["visible"]:
                hidden.append(state)
        assert len(seen) >= 3, f"{name}: too few focusable elements: {seen}"
        assert hidden == [], f"{name}: focus not visible on {hidden}"
    finally:
        ctx.close()


def test_every_page_in_the_menu_and_footer_is_checked(browser, server):
    """A page linked from the menu or the footer (a new About or Sources page) is in
    ``PAGES``: add a way to reach it there when you add a page."""
    ctx, page = _window(browser, DESKTOP)
    try:
        _opener("/")(page, server.url)
        hrefs = page.evaluate("""[...document.querySelectorAll(
            'header a[href], footer a[href], nav a[href]')].map(a => a.href)""")
        origin = urlsplit(server.url).netloc
        paths = {urlsplit(h).path for h in hrefs if urlsplit(h).netloc == origin}
        missing = sorted(paths - LINKED_PATHS)
        assert missing == [], f"linked pages not in PAGES/LINKED_PATHS: {missing}"
        assert {"/", "/learn", "/plan", "/diary"} <= paths
    finally:
        ctx.close()


def test_phone_menu_fits_the_screen_and_the_heading_comes_first(browser, server):
    """At 360 px the menu is one "Menu" button (a disclosure that works without
    JavaScript), so the page's question sits near the top; opened, every link is on screen
    in full, one under the other, with the current page marked, and nothing scrolls
    sideways. Its focus ring shows."""
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=False, service_workers="block")
    try:
        page = ctx.new_page()
        ready()
        page.goto(server.url + "/")
        page.click("text=Start now")
        header = page.locator(".bs-header").bounding_box()
        h1 = page.locator("main h1").bounding_box()
        # the question comes after the back link and the progress ("Warning signs: 1 of 25")
        assert header["height"] <= 130 and h1["y"] < 300, (header, h1)
        links = page.locator(".bs-nav a")
        assert links.count() >= 5 and not links.first.is_visible()  # folded away
        menu = page.locator(".bs-nav summary")
        assert menu.inner_text().strip() == "Menu"
        menu.focus()
        assert menu.evaluate("m => getComputedStyle(m).outlineStyle") == "solid"
        menu.click()
        boxes = [links.nth(i).bounding_box() for i in range(links.count())]
        assert all(b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] for b in boxes)
        assert all(b["height"] >= 44 for b in boxes)
        assert len({b["y"] for b in boxes}) == len(boxes)  # one under the other
        assert links.first.inner_text() == "Check symptoms"
        assert sideways_overflow(page) <= 0
        page.goto(server.url + "/learn")
        page.locator(".bs-nav summary").click()
        current = page.locator(".bs-nav a[aria-current=page]")
        assert current.count() == 1 and current.get_attribute("href") == "/learn"
    finally:
        ctx.close()
