"""Issue 14, part A, in real Chromium at 360 px: the emergency interruption, the urgent
line, destructive buttons, the phone menu, no developer text and one Sources disclosure,
progress through the check, the age rule, and the check open before sign-in."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from conftest import DESKTOP, PHONE, LiveServer, running_server, sideways_overflow

pytestmark = pytest.mark.browser

RED = "rgb(164, 22, 26)"
WHITE = "rgb(255, 255, 255)"
NO_SIGNS = {"leg_symptoms": "none", "leg_weakness": "none"}
SELF_CARE = {**NO_SIGNS, "age": "40", "onset": "20", "pain_now": "5", "pain_trend": "same",
             "trigger": "lifting", "episodes_past_3_months": "1"}


def _style(locator, prop: str) -> str:
    return locator.evaluate(f"e => getComputedStyle(e)['{prop}']")


def answer(page, answers: dict[str, str], stop_at: str | None = None) -> list[str]:
    """Answer question pages in turn (as a person would) until ``stop_at`` or the end."""
    asked = []
    while (m := re.search(r"/triage/q/(\w+)$", page.url)) is not None:
        qid = m.group(1)
        if qid == stop_at:
            break
        asked.append(qid)
        value = answers.get(qid, "no")
        radio = page.locator(f'input[type=radio][value="{value}"]')
        if radio.count():
            page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
        else:
            page.fill("#answer", value)
        with page.expect_navigation():
            page.click("button:has-text('Continue')")
    return asked


def start(page, base: str) -> None:
    page.goto(base + "/")
    with page.expect_navigation():
        page.click("text=Start now")


@pytest.fixture
def phone(browser) -> Iterator:
    ctx = browser.new_context(viewport=PHONE)
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    ctx.close()


def test_the_emergency_interruption_is_a_full_width_red_panel(phone, fresh_server):
    start(phone, fresh_server.url)
    answer(phone, {"chest_pain": "yes"})
    assert phone.url.endswith("/triage/stop")
    panel = phone.locator("main [data-emergency-panel]")
    box = panel.bounding_box()
    assert box["x"] <= 0.5 and box["width"] >= PHONE["width"] - 1  # edge to edge
    assert _style(panel, "backgroundColor") == RED and _style(panel, "color") == WHITE
    call = panel.locator("a.bs-call-button[href='tel:999']")
    assert call.is_visible() and call.inner_text().strip() == "Call 999"
    cbox = call.bounding_box()
    assert cbox["height"] >= 56 and cbox["width"] >= PHONE["width"] * 0.75  # one big target
    assert _style(call, "backgroundColor") == WHITE and _style(call, "color") == RED
    assert panel.locator("ul.bs-emergency__steps li").count() >= 1
    # The heading and the button are on the first screen.
    assert cbox["y"] + cbox["height"] <= PHONE["height"]
    assert sideways_overflow(phone) <= 0


def test_the_urgent_card_has_the_111_button_and_link(phone, fresh_server):
    start(phone, fresh_server.url)
    answer(phone, {**SELF_CARE, "fever_or_unwell": "yes"})
    with phone.expect_navigation():
        phone.click("button:has-text('See my result')")
    card = phone.locator("main .bs-card--urgent")
    call = card.locator("a[href='tel:111']")
    assert call.is_visible() and call.bounding_box()["height"] >= 44
    assert _style(call, "backgroundColor") != RED  # urgent, not an emergency
    assert card.locator("a[href='https://111.nhs.uk/']").is_visible()


def test_delete_is_outlined_dark_red_not_the_emergency_look(phone, live_server):
    phone.goto(live_server.url + "/privacy")
    delete = phone.locator("main a:has-text('Delete all my data')")
    assert _style(delete, "backgroundColor") == WHITE
    assert _style(delete, "borderTopColor") == "rgb(110, 14, 17)"
    assert _style(delete, "color") != WHITE
    phone.goto(live_server.url + "/")
    call = phone.locator("main [data-signs] a[href='tel:999']")
    assert _style(call, "backgroundColor") == RED  # the red fill is for calling for help


def test_the_phone_menu_fits_and_marks_the_current_page(phone, live_server):
    phone.goto(live_server.url + "/learn")
    menu = phone.locator("header nav summary")
    assert menu.is_visible() and menu.inner_text().strip() == "Menu"
    links = phone.locator("header nav a")
    assert not links.first.is_visible()  # closed: the page's heading comes first
    assert phone.locator("main h1").bounding_box()["y"] < 200
    menu.click()
    count = links.count()
    assert count >= 7
    for i in range(count):
        box = links.nth(i).bounding_box()
        assert links.nth(i).is_visible() and box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 44
    assert links.nth(count - 1).inner_text() == "Calendar and reports"  # not cut off
    current = phone.locator("header nav a[aria-current='page']")
    assert current.count() == 1 and current.get_attribute("href") == "/learn"
    assert sideways_overflow(phone) <= 0


def test_the_menu_works_without_javascript(browser, live_server):
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(live_server.url + "/diary")
        page.click("header nav summary")
        link = page.locator("header nav a[href='/settings']")
        assert link.is_visible()
        with page.expect_navigation():
            link.click()
        assert page.url.endswith("/settings")
    finally:
        ctx.close()


def test_a_wide_screen_shows_the_menu_links_in_a_row(browser, live_server):
    ctx = browser.new_context(viewport=DESKTOP)
    try:
        page = ctx.new_page()
        page.goto(live_server.url + "/")
        assert not page.locator("header nav summary").is_visible()
        links = page.locator("header nav a")
        tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
        assert all(links.nth(i).is_visible() for i in range(links.count())) and len(tops) <= 2
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["/", "/learn", "/plan", "/timer/ice"])
def test_no_developer_text_and_one_sources_disclosure(phone, live_server, path):
    from datetime import UTC, datetime, timedelta

    with live_server.store() as store:  # the plan page needs an episode
        pid = store.ensure_profile("local", tz="Europe/London").id
        if store.current_episode(pid) is None:
            store.start_episode(pid, onset=datetime.now(UTC) - timedelta(hours=30))
    phone.goto(live_server.url + path)
    text = phone.locator("body").inner_text()
    assert "seed-article" not in text and "Knowledge version" not in text
    assert "our own reading" not in text.lower()
    assert phone.locator("header a[href='/api/docs']").count() == 0
    sources = phone.locator("main details.bs-sources")
    assert sources.count() == 1
    sources.locator("summary").click()
    assert sources.locator("li").first.is_visible()
    assert phone.locator("footer a[href='/sources']").is_visible()


def test_the_sources_and_about_pages(phone, live_server):
    phone.goto(live_server.url + "/sources")
    assert phone.locator("main h1").inner_text() == "Sources"
    assert phone.locator("main li[id^='src-']").count() >= 8
    assert "seed-article" not in phone.locator("body").inner_text()
    phone.goto(live_server.url + "/about")
    text = phone.locator("main").inner_text()
    assert "Knowledge version" in text and phone.locator("main a[href='/api/docs']").is_visible()
    assert sideways_overflow(phone) <= 0


def test_progress_by_section_with_the_count(phone, fresh_server):
    start(phone, fresh_server.url)
    count = phone.locator("main [data-progress] .bs-progress__count")
    first = count.inner_text()
    m = re.fullmatch(r"Warning signs: question 1 of (\d+)", first)
    assert m and int(m.group(1)) >= 20
    current = phone.locator("main [data-progress] [aria-current='step']")
    assert current.inner_text() == "Warning signs"
    answer(phone, SELF_CARE, stop_at="pregnant")
    assert re.fullmatch(r"About you: question \d+ of \d+", count.inner_text())
    assert current.inner_text() == "About you"
    answer(phone, SELF_CARE, stop_at="pain_trend")
    assert current.inner_text() == "Your pain"
    assert count.is_visible() and count.bounding_box()["y"] < PHONE["height"] / 2


def test_a_child_is_not_asked_what_cannot_apply_and_is_told_early(phone, fresh_server):
    start(phone, fresh_server.url)
    asked = answer(phone, {**SELF_CARE, "age": "6"}, stop_at="osteoporosis_or_steroids")
    assert asked[-1] == "age"  # the page right after the age
    notice = phone.locator("main [data-notice]")
    assert notice.is_visible()
    assert "adult" in notice.inner_text() and "doctor" in notice.inner_text()
    asked += answer(phone, {**SELF_CARE, "age": "6"})
    assert "pregnant" not in asked and "sexual_function_change" not in asked
    assert phone.url.endswith("/triage/check")


@pytest.fixture(scope="module")
def multi_server(tmp_path_factory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("e2e-design-a") / "multi.db",
                        "--multi-user") as live:
        yield live


def test_multi_user_check_is_open_before_sign_in(phone, multi_server):
    start(phone, multi_server.url)
    assert "/triage/q/chest_pain" in phone.url  # no sign-in first
    answer(phone, SELF_CARE)
    with phone.expect_navigation():
        phone.click("button:has-text('See my result')")
    assert phone.url.endswith("/triage/result")
    assert phone.locator("main .bs-card--selfcare").is_visible()
    # Sign-in is asked for only to save.
    save = phone.locator("main a[href^='/signin']")
    assert save.is_visible() and "save" in save.inner_text().lower()
