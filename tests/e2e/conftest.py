"""Browser fixtures: the real app under uvicorn (``backspasm serve``) on a free loopback
port with a temporary SQLite database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from serve_helpers import serving

CHROMIUM = os.environ.get("BACKSPASM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
#: Parametrise a test over the phone and desktop window sizes (argument ``size``).
each_size = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["360x740", "1280x800"])


@dataclass
class LiveServer:
    url: str
    db: Path

    def store(self):
        from backspasm.store import open_store

        return open_store(f"sqlite:///{self.db}")


@contextmanager
def running_server(db: Path, *extra: str) -> Iterator[LiveServer]:
    """``backspasm serve`` on ``db`` (with ``extra`` options) for the length of the block."""
    with serving(db.parent, *extra, db=str(db)) as served:
        yield LiveServer(served.url, db)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("e2e") / "e2e.db") as server:
        yield server


@pytest.fixture(autouse=True)
def _checked_again_after_an_emergency(request) -> None:
    """The shared server keeps one diary: a test that ends on the emergency page leaves an
    emergency result in it, and then (rightly, H4) no page shows a plan or a timer. Before
    each test, a newer self-care check stands for "seen by a doctor and checked again"."""
    if "live_server" not in request.fixturenames:
        return
    from datetime import UTC, datetime

    server = request.getfixturevalue("live_server")
    with server.store() as store:
        profile = store.profile_by_key("local")
        latest = None if profile is None else store.latest_triage(profile.id)
        if latest is not None and latest.level in ("emergency", "emergency_ambulance"):
            store.save_triage(profile.id, answers={}, level="self_care", rules=[],
                              knowledge_version="e2e", at=datetime.now(UTC))


@pytest.fixture
def fresh_server(tmp_path) -> Iterator[LiveServer]:
    """A server with an empty database of its own (for journeys that need a clean diary)."""
    with running_server(tmp_path / "fresh.db") as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=PHONE)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, live_server):
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors  # type: ignore[attr-defined]
    return pg


def axe_violations(page, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list[dict]:
    """Run axe-core on the page (needs a context with ``bypass_csp=True``)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(tags))
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def sideways_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 or less: no sideways scroll)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


def assert_no_axe_violations(browser, base: str, name: str,
                             open_page: Callable, size: dict) -> None:
    """Open a page with ``open_page(page, base)`` in a new window of ``size``; axe-core
    must find no WCAG 2.1 A/AA violations and nothing may be wider than the window."""
    ctx = browser.new_context(viewport=size, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        open_page(page, base)
        page.wait_for_load_state()
        violations = axe_violations(page)
        assert violations == [], f"{name} at {size}: {violations}"
        # Nothing wider than the screen (no sideways scrolling on a phone).
        overflow = sideways_overflow(page)
        assert overflow <= 0, f"{name}: {overflow}px sideways scroll"
    finally:
        ctx.close()
