"""Issue 14, part B in real Chromium at 360 px: the note after logging pain (where the
person is, with Undo, without JavaScript too), Remove and End asking first, triage pain in
the diary, Settings (searchable time zone, the device's zone, regions that fit), the chart
(labels apart, text >= 12 px), the entries as cards (no sideways scroll at 200% text) and
the report's waiting note. Each test fails without its fix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from test_e2e_journeys import SELF_CARE, answer_questions

from conftest import (
    PHONE,
    LiveServer,
    assert_no_axe_violations,
    running_server,
    sideways_overflow,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def _server(tmp_path_factory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("e2e-design-b") / "design-b.db") as live:
        yield live


@pytest.fixture
def server(_server) -> LiveServer:
    """A server of this file's own, its diary emptied before each test: no entries and no
    open episode (the ended ones stay; the pages show the open one)."""
    with _server.store() as store:
        pid = store.ensure_profile("local").id
        for p in store.pain_entries(pid):
            store.delete_entry(pid, "pain", p.id)
        for c in store.care_entries(pid):
            store.delete_entry(pid, "care", c.id)
        if store.current_episode(pid) is not None:
            store.end_episode(pid, at=datetime.now(UTC))
    return _server


def _tab(browser, *, js: bool = True, **options):
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=js, **options)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors  # type: ignore[attr-defined]
    return ctx, page


@pytest.fixture
def tab(browser):
    ctx, page = _tab(browser)
    yield page
    ctx.close()


@pytest.fixture
def nojs(browser):
    ctx, page = _tab(browser, js=False)
    yield page
    ctx.close()


def _diary_with_entries(server: LiveServer, n: int = 25, note: str | None = None) -> int:
    """An open episode with ``n`` pain entries over the last hours; the profile id."""
    now = datetime.now(UTC)
    with server.store() as store:
        pid = store.ensure_profile("local").id
        if store.current_episode(pid) is None:
            store.start_episode(pid, onset=now - timedelta(hours=n, minutes=15))
        for i in range(n):
            store.log_pain(pid, score=(i % 9) + 1, at=now - timedelta(hours=i + 0.5), note=note)
    return pid


def _tap(page, score: str) -> None:
    with page.expect_navigation():
        page.click(f"button[name=score][value='{score}']")


def _in_view(page, selector: str) -> bool:
    return page.evaluate("""s => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


# --- 1. the note after logging pain --------------------------------------------------------

def test_saved_pain_is_confirmed_where_the_person_is_with_undo(tab, server):
    pid = _diary_with_entries(server)
    tab.goto(server.url + "/diary")
    tab.evaluate("document.querySelector('button[name=score]').scrollIntoView()")
    _tap(tab, "4")
    # The address says where, never what: no query, no score.
    assert re.fullmatch(re.escape(server.url) + r"/diary#saved", tab.url)
    note = tab.locator("#saved")
    assert re.fullmatch(r"Pain 4 saved at \d\d:\d\d\.\s*Undo.*", note.inner_text(), re.S)
    assert note.get_attribute("role") == "status"
    assert _in_view(tab, "#saved")  # in the window, not 1,800 px below
    assert _in_view(tab, "button[name=score][value='4']")  # the scale is right there too
    # Shown once: a reload does not say it again.
    tab.reload()
    assert tab.locator("#saved").count() == 0
    assert tab.console_errors == []
    with server.store() as store:
        assert len(store.pain_entries(pid)) == 26


def test_undo_works_without_javascript(nojs, server):
    pid = _diary_with_entries(server, n=3)
    nojs.goto(server.url + "/diary")
    _tap(nojs, "9")
    with server.store() as store:
        assert [p.score for p in store.pain_entries(pid)].count(9) == 1
    with nojs.expect_navigation():
        nojs.click("#saved button:has-text('Undo')")
    assert "Undone. That entry is removed." in nojs.locator("#saved").inner_text()
    assert _in_view(nojs, "#saved")
    with server.store() as store:
        assert 9 not in [p.score for p in store.pain_entries(pid)]


def test_remove_and_end_ask_first_without_javascript(nojs, server):
    pid = _diary_with_entries(server, n=2)
    nojs.goto(server.url + "/diary")
    first = nojs.locator("table.bs-table tbody tr").first
    what = first.locator(".bs-entry__what").inner_text()
    with nojs.expect_navigation():
        first.locator("button:has-text('Remove')").click()
    assert nojs.locator("h1").inner_text() == "Remove this entry?"
    assert what in nojs.locator("main").inner_text()
    with nojs.expect_navigation():
        nojs.click("text=No, keep it")
    with server.store() as store:
        assert len(store.pain_entries(pid)) == 2
    with nojs.expect_navigation():
        nojs.locator("table.bs-table tbody tr").first.locator("button").click()
    with nojs.expect_navigation():
        nojs.click("button:has-text('Yes, remove it')")
    assert nojs.url.endswith("/diary#entries-h")
    assert "The entry is removed." in nojs.locator("main").inner_text()
    with server.store() as store:
        assert len(store.pain_entries(pid)) == 1
    with nojs.expect_navigation():
        nojs.click("button:has-text('End this episode')")
    assert nojs.locator("h1").inner_text() == "End this episode?"
    with server.store() as store:
        assert store.current_episode(pid) is not None  # asking changed nothing
    with nojs.expect_navigation():
        nojs.click("button:has-text('Yes, end this episode')")
    assert "This episode is ended." in nojs.locator("main").inner_text()
    with server.store() as store:
        assert store.current_episode(pid) is None


# --- 2. triage pain reaches the diary ------------------------------------------------------

def test_the_pain_given_in_the_symptom_check_is_in_the_diary(tab, server):
    tab.goto(server.url + "/")
    tab.click("text=Start now")
    answer_questions(tab, {**SELF_CARE, "pain_now": "6"})
    with tab.expect_navigation():
        tab.click("button:has-text('See my result')")
    said = tab.locator("#in-diary").inner_text()
    assert "Saved in your diary: this episode, from" in said and "6 out of 10" in said
    tab.click("#in-diary a[href='/diary']")
    assert "Pain 6 out of 10" in tab.locator("table.bs-table").inner_text()
    assert tab.locator("svg.bs-chart").get_attribute("data-points") == "1"


# --- 3. Settings ---------------------------------------------------------------------------

def test_time_zone_is_searchable_and_filled_from_the_device(browser, fresh_server):
    server = fresh_server  # a profile whose settings were never saved
    ctx, page = _tab(browser, timezone_id="Asia/Tokyo")
    try:
        page.goto(server.url + "/settings")
        assert page.input_value("#tz") == "Asia/Tokyo"  # never chosen: this device's zone
        assert "time zone of this device" in page.locator("#tz-device").inner_text()
        assert page.get_attribute("#tz", "list") == "tz-list"
        options = page.evaluate(
            "[...document.querySelectorAll('#tz-list option')].map(o => o.value)")
        assert "America/Argentina/Buenos_Aires" in options and len(options) > 300
        with page.expect_navigation():
            page.click("button:has-text('Save settings')")
        assert "Your settings are saved" in page.locator("main").inner_text()
        # Chosen now: a device elsewhere is offered its zone, not given it.
        ctx2, other = _tab(browser, timezone_id="America/New_York")
        try:
            other.goto(server.url + "/settings")
            assert other.input_value("#tz") == "Asia/Tokyo"
            other.click("#tz-device button")
            assert other.input_value("#tz") == "America/New_York"
        finally:
            ctx2.close()
        assert page.console_errors == []
    finally:
        ctx.close()


def test_regions_fit_a_phone_and_settings_work_without_javascript(nojs, server):
    nojs.goto(server.url + "/settings")
    assert nojs.input_value("#tz")  # the saved zone, as it is, without JavaScript
    rights = nojs.evaluate("""[...document.querySelectorAll(
        'input[name=region], label[for^=region-]')].map(e => e.getBoundingClientRect().right)""")
    assert len(rights) == 6 and max(rights) <= PHONE["width"]
    assert sideways_overflow(nojs) <= 0
    nojs.check("#region-US")
    nojs.fill("#tz", "America/Chicago")
    nojs.fill("#wake", "20:00")  # a night worker: awake across midnight
    nojs.fill("#sleep", "04:00")
    with nojs.expect_navigation():
        nojs.click("button:has-text('Save settings')")
    assert "Your settings are saved" in nojs.locator("main").inner_text()
    with server.store() as store:
        profile = store.profile_by_key("local")
        assert (profile.tz, profile.region) == ("America/Chicago", "US")
        assert (profile.wake.isoformat("minutes"), profile.sleep.isoformat("minutes")) == (
            "20:00", "04:00")
    nojs.goto(server.url + "/plan")  # the plan is made with those hours, not refused
    assert nojs.locator("h1").count() == 1 and "Error" not in nojs.title()


# --- 5. the chart --------------------------------------------------------------------------

def test_chart_labels_are_apart_and_readable_at_360(tab, server):
    pid = _diary_with_entries(server, n=0)
    now = datetime.now(UTC)
    with server.store() as store:  # scores a minute or two apart, two of them alike
        for i, score in enumerate((6, 6, 5, 7, 6, 4)):
            store.log_pain(pid, score=score, at=now - timedelta(minutes=12 - 2 * i))
    tab.goto(server.url + "/diary")
    chart = tab.locator("svg.bs-chart")
    assert chart.get_attribute("data-points") == "6"
    boxes = tab.evaluate("""[...document.querySelectorAll('svg.bs-chart text.bs-chart__value')]
        .map(t => { const r = t.getBoundingClientRect();
                    return [r.left, r.top, r.right, r.bottom]; })""")
    assert boxes, "some scores keep a label"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    sizes = tab.evaluate("""(() => { const svg = document.querySelector('svg.bs-chart');
        const k = svg.getScreenCTM().a;
        return [...svg.querySelectorAll('text')]
            .map(t => parseFloat(getComputedStyle(t).fontSize) * k); })()""")
    assert min(sizes) >= 12, sizes
    # The text alternative is kept: every score in the summary, and a tooltip on each point.
    assert "6 pain scores" in chart.locator("desc").text_content()
    assert tab.locator("svg.bs-chart g.bs-chart__pain title").count() == 6


# --- 6. entries as cards -------------------------------------------------------------------

def test_entries_do_not_scroll_sideways_at_360_and_200_percent_text(tab, server):
    _diary_with_entries(server, n=4, note="Worse after sitting at the desk_all_afternoon_long")
    tab.goto(server.url + "/diary")
    assert sideways_overflow(tab) <= 0
    tab.evaluate("document.documentElement.style.fontSize = '200%'")
    assert sideways_overflow(tab) <= 0
    table = tab.evaluate("""(() => { const t = document.querySelector('table.bs-table');
        return [t.getBoundingClientRect().right,
                getComputedStyle(t.querySelector('tbody tr')).display]; })()""")
    assert table[0] <= PHONE["width"] and table[1] != "table-row"
    # Each card still says when, what, and offers Remove, within the screen.
    rights = tab.evaluate("""[...document.querySelectorAll('table.bs-table td')]
        .map(td => td.getBoundingClientRect().right)""")
    assert max(rights) <= PHONE["width"]


# --- 7. the report takes seconds -----------------------------------------------------------

def test_the_report_says_it_is_being_made(tab, server):
    _diary_with_entries(server, n=3)
    held = []
    tab.route("**/export/report.pdf", lambda route: held.append(route))
    tab.goto(server.url + "/exports")
    link = tab.locator("a[href='/export/report.pdf']")
    assert link.inner_text() == "Download report (PDF)"
    link.click()
    tab.wait_for_function("document.querySelector(\"a[href='/export/report.pdf']\")"
                          ".textContent.includes('Making your report')")
    assert link.get_attribute("aria-disabled") == "true"
    assert "Making your report" in tab.locator("#report-status").inner_text()
    assert held, "the report was asked for"
    with tab.expect_download() as info:
        held[0].continue_()
    assert info.value.suggested_filename == "backspasm-report.pdf"
    tab.wait_for_function("!document.querySelector(\"a[href='/export/report.pdf']\")"
                          ".hasAttribute('aria-disabled')")
    assert link.inner_text() == "Download report (PDF)"
    assert "ready" in tab.locator("#report-status").inner_text()
    assert tab.console_errors == []


def test_without_javascript_a_plain_note_says_the_report_takes_seconds(nojs, server):
    _diary_with_entries(server, n=1)
    nojs.goto(server.url + "/exports")
    note = nojs.locator("#report-note")
    assert note.is_visible() and "few seconds" in note.inner_text()
    with nojs.expect_download() as info:
        nojs.click("a[href='/export/report.pdf']")
    assert info.value.suggested_filename == "backspasm-report.pdf"


# --- axe on what changed ---------------------------------------------------------------------

def _diary_note(page, base):
    page.goto(base + "/diary")
    with page.expect_navigation():
        page.click("button[name=score][value='3']")
    assert page.locator("#saved").count() == 1


def _remove_page(page, base):
    _diary_note(page, base)
    with page.expect_navigation():
        page.locator("table.bs-table tbody tr").first.locator("button").click()
    assert page.locator("h1").inner_text() == "Remove this entry?"


@pytest.mark.parametrize("name,open_page", [
    ("diary note", _diary_note), ("remove page", _remove_page),
    ("settings", lambda p, b: p.goto(b + "/settings")),
    ("exports", lambda p, b: p.goto(b + "/exports")),
])
def test_changed_pages_have_no_axe_violations_at_360(browser, server, name, open_page):
    _diary_with_entries(server, n=2)
    assert_no_axe_violations(browser, server.url, name, open_page, PHONE)
