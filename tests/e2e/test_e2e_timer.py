"""Timers in real Chromium at 360 px: pause and resume, stopping early asks whether to log
the minutes done, an opt-in browser notification at the end, "Ends at" without
JavaScript, and an offline timer that says "saved" once it is.

The page's clock is Playwright's fake clock (``page.clock``), set back so that the server
(which caps a logged session by the real time since its start) accepts the minutes run."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from conftest import PHONE

MINUTE = 60_000

#: Records every notification the page raises (the real API still answers permission).
SPY = """(() => {
  const Real = window.Notification;
  window.__notes = [];
  if (!Real) return;
  function Spy(title, options) { window.__notes.push({ title, body: (options || {}).body }); }
  Object.defineProperty(Spy, "permission", { get: () => Real.permission });
  Spy.requestPermission = (cb) => Real.requestPermission(cb);
  window.Notification = Spy;
})();"""


def _entries(server, kind: str):
    with server.store() as store:
        pid = store.ensure_profile("local").id
        return [e for e in store.care_entries(pid) if e.kind == kind]


def _clock_from(page, minutes_ago: float) -> None:
    """The page's clock, set back and stopped: only ``page.clock.run_for`` moves it."""
    start = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=1))


def test_pause_stops_the_countdown_and_resume_carries_on(page, live_server):
    _clock_from(page, 30)
    page.goto(live_server.url + "/timer/heat")
    page.click("#start")
    page.wait_for_selector("#timer[data-running='true']")
    page.clock.run_for(5_000)
    assert page.locator("#countdown").inner_text() == "19:55"
    page.click("#pause")
    assert page.locator("#pause").inner_text() == "Resume"
    assert page.locator("#timer").get_attribute("data-paused") == "true"
    assert "Paused" in page.locator("#status").inner_text()
    paused = page.locator("#countdown").inner_text()
    page.clock.run_for(3 * MINUTE)
    assert page.locator("#countdown").inner_text() == paused  # nothing ran while paused
    page.reload()  # a paused timer stays paused across a reload
    assert page.locator("#countdown").inner_text() == paused == "19:55"
    page.click("#pause")
    assert page.locator("#pause").inner_text() == "Pause"
    page.clock.run_for(10_000)
    assert page.locator("#countdown").inner_text() == "19:45"
    page.click("#stop")
    assert page.console_errors == []


def test_stopping_early_asks_to_log_the_minutes_done_and_yes_logs_them(page, live_server):
    before = {e.id for e in _entries(live_server, "ice")}
    _clock_from(page, 14)
    page.goto(live_server.url + "/timer/ice")
    page.click("#start")
    page.wait_for_selector("#timer[data-running='true']")
    page.clock.run_for(12 * MINUTE + 5_000)
    page.click("#stop")
    ask = page.locator("#ask-form")
    ask.wait_for(state="visible")
    assert page.locator("#ask-question").inner_text() == "Log 12 minutes of ice?"
    page.click("#ask-yes")
    page.wait_for_selector("#timer[data-logged='true']")
    assert page.locator("#status").inner_text() == "Saved in your diary: 12 minutes."
    # other tests share this server's diary: the new entry is the one not there before
    new = [e for e in _entries(live_server, "ice") if e.id not in before]
    assert [e.minutes for e in new] == [12]
    assert page.console_errors == []


def test_stopping_early_and_saying_no_logs_nothing(page, live_server):
    before = len(_entries(live_server, "heat"))
    _clock_from(page, 10)
    page.goto(live_server.url + "/timer/heat")
    page.click("#start")
    page.clock.run_for(MINUTE + 1_000)
    page.click("#stop")
    assert page.locator("#ask-question").inner_text() == "Log 1 minute of heat?"
    page.click("#ask-no")
    assert page.locator("#status").inner_text() == "Stopped. Nothing was saved."
    assert not page.locator("#ask-form").is_visible()
    assert page.locator("#start").is_visible()
    assert len(_entries(live_server, "heat")) == before


def test_a_notification_at_the_end_only_once_turned_on(browser, live_server):
    ctx = browser.new_context(viewport=PHONE)
    ctx.grant_permissions(["notifications"], origin=live_server.url)
    ctx.add_init_script(SPY)
    try:
        page = ctx.new_page()
        _clock_from(page, 50)
        page.goto(live_server.url + "/timer/ice")
        page.click("#start")
        page.clock.run_for(20 * MINUTE + 1_000)
        page.wait_for_selector("#timer[data-logged='true']")
        assert page.evaluate("window.__notes") == []  # not turned on: none
        page.reload()
        page.click("#notify")
        page.wait_for_selector("#notify[aria-pressed='true']")
        assert "You will get a notice" in page.locator("#notify-status").inner_text()
        page.click("#start")
        page.clock.run_for(20 * MINUTE + 1_000)
        page.wait_for_selector("#timer[data-logged='true']")
        notes = page.evaluate("window.__notes")
        assert len(notes) == 1 and "Take the ice pack off now" in notes[0]["body"]
    finally:
        ctx.close()


def test_without_javascript_the_timer_says_when_it_ends(browser, live_server):
    ctx = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = ctx.new_page()
        page.goto(live_server.url + "/timer/ice")
        assert page.locator("#countdown").inner_text() == "20 minutes"
        page.click("#start")
        countdown = page.locator("#countdown").inner_text()
        assert re.fullmatch(r"Ends at \d\d:\d\d", countdown), countdown
        assert "20:00" not in page.locator("main").inner_text()
        assert not page.locator("#pause").is_visible()  # nothing that needs the script
    finally:
        ctx.close()


def test_an_offline_timer_says_saved_once_it_is(browser, fresh_server):
    ctx = browser.new_context(viewport=PHONE)
    try:
        page = ctx.new_page()
        _clock_from(page, 25)
        page.goto(fresh_server.url + "/timer/ice")
        page.click("#start")
        ctx.set_offline(True)
        page.clock.run_for(20 * MINUTE + 1_000)
        page.wait_for_function(
            "document.getElementById('status').textContent.includes('offline')")
        assert _entries(fresh_server, "ice") == []
        ctx.set_offline(False)
        page.wait_for_selector("#timer[data-logged='true']")
        status = page.locator("#status").inner_text()
        assert "Saved in your diary: 20 minutes." in status and "offline" not in status
        assert len(_entries(fresh_server, "ice")) == 1
    finally:
        ctx.close()


def test_the_stop_question_and_notify_button_are_accessible_at_360px(browser, live_server):
    from conftest import assert_no_axe_violations

    def stopped_early(page, base):
        # A clock that keeps running (axe-core waits on timers of its own).
        page.clock.install(time=datetime.now(UTC) - timedelta(minutes=10))
        page.goto(base + "/timer/heat")
        page.click("#start")
        page.clock.run_for(2 * MINUTE)
        page.click("#stop")
        page.wait_for_selector("#ask-form:not([hidden])")
        assert page.locator("#notify").is_visible()

    assert_no_axe_violations(browser, live_server.url, "timer-stop-question", stopped_early,
                             PHONE)


def test_a_plan_session_start_raises_a_notification_once_turned_on(browser, fresh_server):
    ctx = browser.new_context(viewport=PHONE)
    ctx.grant_permissions(["notifications"], origin=fresh_server.url)
    ctx.add_init_script(SPY)
    from datetime import time

    with fresh_server.store() as store:  # awake all day but a minute: always a next session
        pid = store.ensure_profile("local").id
        store.update_profile(pid, wake=time(0, 1), sleep=time(0, 0))
    try:
        page = ctx.new_page()
        page.goto(fresh_server.url + "/plan")
        page.fill("input[name=hours]", "0")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_selector("h1:has-text('My plan')")
        assert page.locator("[data-notify-at]").count() >= 1
        start = datetime.now(UTC)
        page.clock.install(time=start)
        page.clock.pause_at(start + timedelta(seconds=1))
        page.goto(fresh_server.url + "/timer/ice")
        page.click("#notify")  # the person turns notices on
        page.wait_for_selector("#notify[aria-pressed='true']")
        page.goto(fresh_server.url + "/plan")
        first = page.locator("[data-notify-at]").first
        title = first.get_attribute("data-notify-text")
        wait = page.evaluate("iso => Date.parse(iso) - Date.now()",
                             first.get_attribute("data-notify-at"))
        assert wait > 0
        page.clock.run_for(max(wait - 2_000, 0))
        assert page.evaluate("window.__notes") == []  # not before it starts
        page.clock.run_for(3_000)
        notes = page.evaluate("window.__notes")
        assert notes and notes[0]["body"] == title
    finally:
        ctx.close()
