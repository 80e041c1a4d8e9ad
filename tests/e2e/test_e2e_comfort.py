"""Comfort in real Chromium (issue 14): the pictures are drawn in the text colour and follow
the dark colour scheme; reduced motion stops every animation and transition; the plan, the
result and Learn print without the header, menu and footer, with the sessions as a checklist
and the pictures kept (checked in Chromium's print emulation and in a printed PDF read back
with pdftotext)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from test_e2e_a11y import PAGES, server  # noqa: F401  (the fixture: a server of our own)

from conftest import PHONE

pytestmark = pytest.mark.browser


def _window(browser, **options):
    ctx = browser.new_context(viewport=PHONE, service_workers="block", **options)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    return ctx, page


def _luminance(css_colour: str) -> float:
    """Relative luminance (WCAG) of an ``rgb(r, g, b)`` or ``rgba(...)`` colour."""
    parts = css_colour[css_colour.index("(") + 1:-1].replace("/", ",").split(",")
    r, g, b = (float(p) / 255 for p in parts[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


_COLOURS_JS = """() => {
  const style = sel => getComputedStyle(document.querySelector(sel));
  return {
    page: getComputedStyle(document.body).backgroundColor === 'rgba(0, 0, 0, 0)'
      ? getComputedStyle(document.documentElement).backgroundColor
      : getComputedStyle(document.body).backgroundColor,
    main: style('main').backgroundColor,
    text: style('main').color,
    pictures: [...document.querySelectorAll('main svg.bs-picture__svg')]
      .map(svg => getComputedStyle(svg).color),
    strokes: [...document.querySelectorAll('main svg.bs-picture__svg > path:not([class])')]
      .map(p => getComputedStyle(p).stroke),
  };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["plan", "learn", "timer"])
def test_pages_and_pictures_follow_the_colour_scheme(browser, server, name, scheme):  # noqa: F811
    """In the dark scheme the page is dark and its text light; the drawings' strokes are the
    text colour in both, so they never vanish into the background."""
    ctx, page = _window(browser, color_scheme=scheme)
    try:
        PAGES[name](page, server.url)
        c = page.evaluate(_COLOURS_JS)
        dark = scheme == "dark"
        assert (_luminance(c["main"]) < 0.05) is dark, c
        assert (_luminance(c["text"]) > 0.6) is dark, c
        assert c["pictures"], f"{name}: no pictures"
        assert set(c["pictures"]) == {c["text"]}, c
        assert set(c["strokes"]) == {c["text"]}, c
        # Light strokes on a dark page or dark on light: contrast of at least 3 to 1 (1.4.11).
        hi, lo = sorted((_luminance(c["text"]), _luminance(c["main"])), reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 3
    finally:
        ctx.close()


_MOTION_JS = """() => {
  const probe = document.createElement('div');
  probe.className = 'pics-probe';
  document.body.append(probe);
  const moving = [...document.querySelectorAll('*')].filter(el => {
    const cs = getComputedStyle(el);
    return cs.transitionDuration.split(',').some(d => parseFloat(d) > 0)
      || cs.animationName.split(',').some(n => n.trim() !== 'none');
  }).map(el => el.tagName + '.' + el.className);
  return {moving, animations: document.getAnimations().length};
}"""
_PROBE_CSS = """@keyframes pics-spin { to { transform: rotate(1turn); } }
.pics-probe { width: 1rem; height: 1rem; transition: opacity 3s, transform 3s;
              animation: pics-spin 2s linear infinite; }
"""


@pytest.mark.parametrize("name", ["start", "timer-running", "diary", "exports"])
def test_reduced_motion_stops_animations_and_transitions(browser, server, name):  # noqa: F811
    """With "reduce motion" set, nothing on the page moves: no running animation, no
    transition; a probe that would spin and fade is stopped too (so a later animation,
    such as a "making your report" spinner, is covered). Without the setting the probe
    moves, which shows the check can see motion."""
    for motion, expect_still in (("reduce", True), ("no-preference", False)):
        ctx, page = _window(browser, reduced_motion=motion, bypass_csp=True)
        try:
            PAGES[name](page, server.url)
            page.add_style_tag(content=_PROBE_CSS)
            found = page.evaluate(_MOTION_JS)
            if expect_still:
                assert found == {"moving": [], "animations": 0}, f"{name}: {found}"
            else:
                assert "DIV.pics-probe" in found["moving"] and found["animations"] >= 1
        finally:
            ctx.close()


_PRINT_JS = """() => {
  const shown = el => el && getComputedStyle(el).display !== 'none'
    && el.getBoundingClientRect().height > 0;
  const items = [...document.querySelectorAll('main .bs-timeline li')];
  return {
    header: shown(document.querySelector('header')),
    nav: shown(document.querySelector('nav[aria-label=Main]')),
    footer: shown(document.querySelector('footer')),
    main: shown(document.querySelector('main')),
    buttons: [...document.querySelectorAll('main button, main .bs-button')].filter(shown).length,
    pictures: [...document.querySelectorAll('main svg.bs-picture__svg')].filter(shown).length,
    sessions: items.length,
    sources: [...document.querySelectorAll('main .bs-sources li')]
      .filter(li => li.checkVisibility() && li.getBoundingClientRect().height > 0).length,
    boxes: items.filter(li => {
      const b = getComputedStyle(li, '::before');
      return b.content !== 'none' && b.borderTopStyle === 'solid'
        && parseFloat(b.width) >= 10 && parseFloat(b.width) === parseFloat(b.height);
    }).length,
  };
}"""


@pytest.mark.parametrize("name", ["plan", "result-self-care", "learn"])
def test_print_shows_the_content_without_header_menu_or_footer(browser, server, name):  # noqa: F811
    ctx, page = _window(browser)
    try:
        PAGES[name](page, server.url)
        screen = page.evaluate(_PRINT_JS)
        assert screen["header"] and screen["footer"]  # on screen they are there
        page.emulate_media(media="print")
        printed = page.evaluate(_PRINT_JS)
        assert printed["main"], printed
        assert not printed["header"] and not printed["nav"] and not printed["footer"], printed
        assert printed["buttons"] == 0, printed  # nothing to tap on paper
        # The Sources disclosure is closed on screen and printed in full on paper.
        assert screen["sources"] == 0 and printed["sources"] >= 1, (screen, printed)
        if name in ("plan", "learn"):
            assert printed["pictures"] >= 2, printed
        if name == "plan":
            # Each session of the day is a line with an empty box to tick.
            assert printed["sessions"] >= 1 and printed["boxes"] == printed["sessions"]
            assert screen["boxes"] == 0
    finally:
        ctx.close()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils)")
def test_printed_plan_has_no_menu_and_keeps_the_picture_captions(browser, server,  # noqa: F811
                                                                 tmp_path):
    ctx, page = _window(browser)
    try:
        PAGES["plan"](page, server.url)
        nav = page.locator("nav[aria-label=Main] a").all_inner_texts()
        captions = page.locator("main .bs-picture__caption").all_inner_texts()
        pdf = tmp_path / "plan.pdf"
        page.pdf(path=str(pdf), format="A4")
        text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        squashed = " ".join(text.split())
        assert "My plan" in squashed and "What to do" in squashed
        assert captions and all(" ".join(c.split()) in squashed for c in captions)
        for label in nav:
            # Menu words may appear in the advice itself; the menu row never does.
            assert " ".join(nav) not in squashed, label
        assert "Skip to main content" not in squashed
        assert page.locator("footer").inner_text().split("\n")[-1] not in text
    finally:
        ctx.close()
