"""WeasyPrint prepared once per process (exports/pdf_engine.py): the stylesheet parsed once,
one font configuration, the import without the slow library search, the same pages."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import weasyprint

from backspasm.exports import EpisodeRecord, PainPoint
from backspasm.exports.report import render_report_html, render_report_pdf
from backspasm.knowledge import load_knowledge

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def _episode() -> EpisodeRecord:
    onset = NOW - timedelta(hours=60)
    return EpisodeRecord(id="1", onset=onset, tz=ZoneInfo("Europe/London"), trigger="lifting",
                         pain=[PainPoint(onset + timedelta(hours=h), h % 11)
                               for h in range(1, 59)])


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300)


def _pages_png(pdf: bytes, tmp_path: Path, name: str) -> list[bytes]:
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(tmp_path / f"{name}.pdf"),
                    str(tmp_path / name)], check=True)
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.png"))]


def test_the_pdf_is_the_standalone_pages_own(tmp_path: Path) -> None:
    """The PDF (stylesheet parsed once, given beside the page) has the same pages, pixel
    for pixel, as WeasyPrint makes of the standalone HTML page with its inline style."""
    kb = load_knowledge()
    html = render_report_html(_episode(), kb=kb, now=NOW)
    assert "<style>" in html and "@page" in html  # the standalone page keeps its style
    inline = weasyprint.HTML(string=html).write_pdf()
    assert inline is not None
    ours = _pages_png(render_report_pdf(_episode(), kb=kb, now=NOW), tmp_path, "ours")
    assert ours and ours == _pages_png(inline, tmp_path, "inline")


def test_stylesheet_and_fonts_are_prepared_once_per_process() -> None:
    r = _python("""
        from datetime import UTC, datetime, timedelta
        from zoneinfo import ZoneInfo
        import weasyprint, weasyprint.text.fonts as fonts
        from backspasm.exports.data import EpisodeRecord, PainPoint
        from backspasm.exports.report import render_report_pdf
        from backspasm.knowledge import load_knowledge

        made = {"css": 0, "fonts": 0}
        real_css, real_fonts = weasyprint.CSS.__init__, fonts.FontConfiguration.__init__
        def css(self, *a, **k):
            made["css"] += 1; real_css(self, *a, **k)
        def font_config(self, *a, **k):
            made["fonts"] += 1; real_fonts(self, *a, **k)
        weasyprint.CSS.__init__, fonts.FontConfiguration.__init__ = css, font_config

        now = datetime(2026, 11, 25, 12, tzinfo=UTC)
        record = EpisodeRecord(id="1", onset=now - timedelta(hours=5),
                               tz=ZoneInfo("Europe/London"), pain=[PainPoint(now, 4)])
        for _ in range(3):
            assert render_report_pdf(record, kb=load_knowledge(), now=now).startswith(b"%PDF")
        print(made["css"], made["fonts"])
    """)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["1", "1"]


_LIBRARIES = textwrap.dedent("""
    import weasyprint.text.ffi as ffi
    print(*(getattr(ffi, n) is not None for n in
            ("gobject", "pango", "harfbuzz", "harfbuzz_subset", "harfbuzz_vector",
             "fontconfig", "pangoft2")))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fast path is Linux's")
def test_weasyprint_is_imported_without_searching_for_libraries() -> None:
    fast = _python(textwrap.dedent("""
        import ctypes.util
        searched = []
        real = ctypes.util.find_library
        ctypes.util.find_library = lambda name: searched.append(name) or real(name)
        from backspasm.exports.pdf_engine import weasyprint
        weasyprint()
        assert ctypes.util.find_library is not real  # put back as it was (our spy)
        print(len(searched))
    """) + _LIBRARIES)
    ordinary = _python("import weasyprint\n" + _LIBRARIES)
    assert fast.returncode == 0 and ordinary.returncode == 0, fast.stderr + ordinary.stderr
    searched, libraries = fast.stdout.splitlines()
    assert searched == "0"
    assert libraries == ordinary.stdout.strip()  # the same native libraries are loaded


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fast path is Linux's")
def test_a_library_found_only_by_searching_still_loads() -> None:
    """Where a library loads only through ``find_library``, the import is done again the
    ordinary way, and WeasyPrint's advice printed on the way never reaches stdout."""
    r = _python("""
        import ctypes.util, cffi.api
        from backspasm.exports import pdf_engine
        real_dlopen = cffi.api.FFI.dlopen
        def dlopen(self, name, *args):
            if ctypes.util.find_library is pdf_engine._not_found and "pango" in str(name):
                raise OSError(f"cannot load {name}")
            return real_dlopen(self, name, *args)
        cffi.api.FFI.dlopen = dlopen
        module = pdf_engine.weasyprint()
        assert module.HTML(string="<p>x</p>").write_pdf().startswith(b"%PDF")
        assert ctypes.util.find_library is not pdf_engine._not_found
        print("LOADED")
    """)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout == "LOADED\n"
