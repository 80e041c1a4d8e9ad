"""Browser: "Check your answers" → Change → an emergency answer lands on the emergency
page with its call button, and "See my result" can never loop back (issue 8, item 1)."""

from __future__ import annotations

import pytest
from test_e2e_journeys import SELF_CARE, answer_questions

from conftest import each_size, running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of its own: the emergencies these tests save stay out of the shared diary."""
    with running_server(tmp_path_factory.mktemp("change") / "change.db") as live:
        yield live


@each_size
@pytest.mark.parametrize(("field", "value"), [
    ("chest_pain", "yes"), ("bladder_bowel_change", "yes"), ("leg_symptoms", "both_legs"),
])
def test_changing_an_answer_to_an_emergency_sign_shows_the_emergency_page(
        browser, server, size, field, value):
    ctx = browser.new_context(viewport=size)
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server.url + "/")
        page.click("text=Start now")
        answer_questions(page, SELF_CARE)
        assert page.url.endswith("/triage/check")
        page.click(f"a[href='/triage/q/{field}?change=1']")
        page.locator(f'label[for="{page.locator(f"input[value={value!r}]").get_attribute("id")}"]'
                     ).click()
        page.click("button:has-text('Continue')")
        page.wait_for_load_state()
        assert page.url.endswith("/triage/stop"), page.url
        call = page.locator("a.bs-call-button[href^='tel:']")
        assert call.count() == 1 and call.is_visible()
        assert call.get_attribute("href") == "tel:999"
        box = call.bounding_box()
        assert box is not None and box["x"] + box["width"] <= size["width"]  # on screen
        assert "emergency" in page.locator(".bs-emergency__tag").inner_text().lower()
        assert "See my plan" not in page.locator("main").inner_text()
        # Back to the answers, or the result: the emergency page again, never a loop.
        for path in ("/triage/check", "/triage/result"):
            page.goto(server.url + path)
            assert page.url.endswith("/triage/stop"), (path, page.url)
        assert errors == []
    finally:
        ctx.close()
