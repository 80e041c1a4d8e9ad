"""Multi-user mode in real Chromium: two people in two browsers see only their own diary;
a forged or foreign form is refused; the sign-in pages pass axe-core at 360 and 1280 px."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from conftest import (
    PHONE,
    LiveServer,
    assert_no_axe_violations,
    axe_violations,
    each_size,
    running_server,
    sideways_overflow,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("e2e-multi") / "multi.db",
                        "--multi-user") as live:
        yield live


def _create_account(page, email: str) -> None:
    """Fill in the sign-up form already on screen and send it."""
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Create my account')")


@pytest.fixture
def person(browser, server):
    """A factory: a new browser context signed up as ``email``."""
    contexts = []

    def make(email: str):
        ctx = browser.new_context(viewport=PHONE)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        page.goto(server.url + "/diary")
        assert "/signin" in page.url  # signed out: sent to sign in first
        page.click("text=Create an account")
        _create_account(page, email)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def _tap(page, score: str) -> None:
    with page.expect_navigation():
        page.click(f"button[name=score][value='{score}']")


def test_two_people_see_only_their_own_diary(person, server):
    ann = person("ann@example.com")
    ann.goto(server.url + "/diary")
    ann.fill("#hours", "6")
    with ann.expect_navigation():
        ann.click("button:has-text('Start an episode')")
    _tap(ann, "8")
    assert ann.locator("svg.bs-chart").get_attribute("data-points") == "1"
    with ann.expect_navigation():
        ann.click("button:has-text('End this episode')")
    with ann.expect_navigation():  # the Diary asks first
        ann.click("button:has-text('Yes, end this episode')")

    bob = person("bob@example.com")
    bob.goto(server.url + "/diary")
    assert bob.locator("svg.bs-chart").get_attribute("data-points") == "0"
    assert "Pain 8 out of 10" not in bob.locator("main").inner_text()
    # Ann's episode by its address: not found for Bob.
    with server.store() as store:
        from backspasm.store.accounts import Accounts

        pid = Accounts(store).account_by_email("ann@example.com").profile_id
        [episode] = store.episodes(pid)
    response = bob.goto(f"{server.url}/diary/episodes/{episode.id}")
    assert response.status == 404
    assert "could not find" in bob.locator("main").inner_text()
    # Ann still sees hers.
    response = ann.goto(f"{server.url}/diary/episodes/{episode.id}")
    assert response.status == 200 and "Pain 8 out of 10" in ann.locator("main").inner_text()


def test_a_forged_csrf_token_is_refused_and_nothing_is_written(person, server):
    carol = person("carol@example.com")
    carol.goto(server.url + "/diary")
    carol.evaluate("""document.querySelectorAll('input[name=csrf_token]')
        .forEach(i => i.value = 'forged-token-forged-token-forged')""")
    with carol.expect_navigation():
        carol.click("button[name=score][value='6']")
    assert "did not come from this app" in carol.locator("main").inner_text()
    carol.goto(server.url + "/diary")
    assert carol.locator("svg.bs-chart").get_attribute("data-points") == "0"
    _tap(carol, "6")  # the real form still works
    assert carol.locator("svg.bs-chart").get_attribute("data-points") == "1"


def test_a_form_on_another_site_cannot_write_to_the_diary(person, server, browser):
    dave = person("dave@example.com")
    # A page from another origin (about:blank + a form) posting into Dave's diary.
    other = dave.context.new_page()
    other.set_content(f"""<form id="f" method="post" action="{server.url}/diary/pain">
        <input name="score" value="9"><input name="csrf_token" value="guess"></form>""")
    with other.expect_navigation():
        other.evaluate("document.getElementById('f').submit()")
    assert other.url.startswith(server.url)
    assert re.search(r"did not come from this app|Sign in", other.content())
    dave.goto(server.url + "/diary")
    assert dave.locator("svg.bs-chart").get_attribute("data-points") == "0"


def test_sign_out_then_pages_need_sign_in_again(person, server):
    erin = person("erin@example.com")
    erin.goto(server.url + "/diary")
    with erin.expect_navigation():
        erin.click("button:has-text('Sign out')")
    erin.goto(server.url + "/diary")
    assert "/signin" in erin.url
    erin.fill("#email", "erin@example.com")
    erin.fill("#password", PASSWORD)
    with erin.expect_navigation():
        erin.click("button:has-text('Sign in')")
    assert erin.url.endswith("/diary")


def _signin_error(page, base):
    page.goto(base + "/signin")
    page.fill("#email", "nobody@example.com")
    page.fill("#password", "wrong password")
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")
    assert page.locator(".bs-error-summary").count() == 1


def _signup_error(page, base):
    page.goto(base + "/signup")
    with page.expect_navigation():
        page.click("button:has-text('Create my account')")
    assert page.locator(".bs-error-summary").count() == 1


def test_signed_out_visitor_sees_the_emergency_signs_before_any_sign_in(browser, server):
    """H20: the start page is public in multi-user mode, and sign-in keeps the signs."""
    ctx = browser.new_context(viewport=PHONE)
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        response = page.goto(server.url + "/")
        assert response.status == 200 and page.url == server.url + "/"
        card = page.locator("main [data-signs]")
        assert card.get_by_role("heading").inner_text() == "Get help now if you have any of these"
        assert card.locator("a[href='tel:999']").is_visible()
        with page.expect_navigation():
            page.click("text=Start now")
        assert page.url.startswith(server.url + "/signin")
        assert page.locator("main [data-signs] a[href='tel:999']").is_visible()
        with page.expect_navigation():
            page.click("text=Create an account")
        assert page.locator("main [data-signs] a[href='tel:999']").is_visible()
        _create_account(page, "frank@example.com")
        with page.expect_navigation():
            page.click("text=Start now")  # signed in: the journey starts
        assert "/triage/q/" in page.url
    finally:
        ctx.close()


PAGES = {
    "start-signed-out": lambda p, b: p.goto(b + "/"),
    "signin": lambda p, b: p.goto(b + "/signin"),
    "signup": lambda p, b: p.goto(b + "/signup"),
    "signin-error": _signin_error,
    "signup-error": _signup_error,
}


@each_size
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(browser, server, name, size):
    assert_no_axe_violations(browser, server.url, name, PAGES[name], size)


@each_size
def test_signed_in_diary_has_no_axe_violations(browser, server, size):
    ctx = browser.new_context(viewport=size, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(server.url + "/signup")
        _create_account(page, f"axe{size['width']}@example.com")
        page.goto(server.url + "/diary")
        assert axe_violations(page) == []
    finally:
        ctx.close()


@each_size
def test_diary_with_a_warning_and_entries_has_no_axe_violations(browser, server, size):
    from datetime import UTC, datetime, timedelta

    from backspasm.store.accounts import Accounts

    ctx = browser.new_context(viewport=size, bypass_csp=True)
    try:
        page = ctx.new_page()
        email = f"warn{size['width']}@example.com"
        page.goto(server.url + "/signup")
        _create_account(page, email)
        with server.store() as store:
            pid = Accounts(store).account_by_email(email).profile_id
            now = datetime.now(UTC)
            store.start_episode(pid, onset=now - timedelta(hours=80))
            store.log_care(pid, kind="ice", start=now - timedelta(hours=70), minutes=20)
            for h, score in ((60, 6), (30, 7), (2, 8)):
                store.log_pain(pid, score=score, at=now - timedelta(hours=h))
        page.goto(server.url + "/diary")
        assert "need more help than before" in page.locator("main").inner_text()
        assert axe_violations(page) == []
        assert sideways_overflow(page) <= 0
    finally:
        ctx.close()
