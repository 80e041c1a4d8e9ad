"""H19 in real Chromium: every page, and everything it loads (styles, scripts, icons, the
service worker and what it fetches), stays on the app's own origin. No request leaves for
another site, so no third party learns that someone is using a back-pain app."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from test_e2e_a11y import PAGES as MORE_PAGES
from test_e2e_a11y import server  # noqa: F401  (the pages' own server and diary)

from conftest import PHONE

pytestmark = pytest.mark.browser

#: Every kind of page a person can reach (question, check, result and stop need a journey).
#: "stop" last: after an emergency result the plan and timers show the emergency card (H4).
PAGES = ["start", "question-yes-no", "check-answers", "result-self-care", "plan", "timer",
         "timer-running", "learn", "diary", "settings", "privacy", "exports", "api-docs",
         "about", "sources", "stop-ambulance"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_every_page_loads_only_from_its_own_origin(browser, server):  # noqa: F811
    ctx = browser.new_context(viewport=PHONE)
    requests: list[tuple[str, str]] = []
    current = {"page": ""}
    # On the context, so requests of the service worker are seen too.
    ctx.on("request", lambda r: requests.append((current["page"], r.url)))
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        for name in PAGES:
            current["page"] = name
            MORE_PAGES[name](page, server.url)
            page.wait_for_load_state("networkidle")
        names = {n for n, _ in requests}
        assert names == set(PAGES), set(PAGES) - names  # each page was really loaded
        urls = [u for _, u in requests]
        # The pages' own assets, by their hashed names (web/assets.py).
        assert any(re.search(r"/static/bs\.[0-9a-f]{10}\.css$", u) for u in urls)
        assert any(re.search(r"/static/app\.[0-9a-f]{10}\.js$", u) for u in urls)
        elsewhere = [(n, u) for n, u in requests
                     if not u.startswith(("data:", "blob:")) and _origin(u) != server.url]
        assert elsewhere == []
    finally:
        ctx.close()
