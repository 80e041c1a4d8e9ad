"""Screenshots of every page at 360 and 1280 px (and a few in the dark colour scheme), kept
as the browser tests' artefacts in ``test-artifacts/screenshots/`` (ignored by git) for a
person to look at before a design change is called done. Each page is also checked for what
a screenshot alone would not prove: every picture on it is drawn at a readable size and
inside the window."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_e2e_a11y import PAGES, server  # noqa: F401  (the fixture: a server of our own)

from conftest import DESKTOP, PHONE, ROOT

pytestmark = pytest.mark.browser

#: Where the screenshots go (``BACKSPASM_SCREENSHOTS`` to put them elsewhere).
SHOTS = Path(os.environ.get("BACKSPASM_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))
#: Pages also taken in the dark colour scheme.
DARK = {"start", "learn", "result-urgent", "stop-ambulance", "plan", "plan-after-72-hours",
        "timer-contrast", "diary", "settings"}

_PICTURES_JS = """() => [...document.querySelectorAll('main svg.bs-picture__svg')].map(svg => {
  const b = svg.getBoundingClientRect();
  return {id: svg.closest('figure').dataset.picture, width: b.width, left: b.left,
          right: b.right};
})"""


@pytest.mark.parametrize("name", list(PAGES))
def test_screenshots_of_every_page(browser, server, name):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport=PHONE, service_workers="block")
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        PAGES[name](page, server.url)
        page.wait_for_load_state()
        written = []
        for label, size in (("360", PHONE), ("1280", DESKTOP)):
            page.set_viewport_size(size)
            schemes = ("light", "dark") if name in DARK else ("light",)
            for scheme in schemes:
                page.emulate_media(color_scheme=scheme)
                path = SHOTS / f"{name}-{label}-{scheme}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(path)
            for pic in page.evaluate(_PICTURES_JS):
                # A drawing at least 200 px wide (or the whole column on a phone), on screen.
                assert pic["width"] >= min(200, size["width"] - 80), (name, label, pic)
                assert pic["left"] >= 0 and pic["right"] <= size["width"], (name, label, pic)
        for path in written:
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2000
    finally:
        ctx.close()
