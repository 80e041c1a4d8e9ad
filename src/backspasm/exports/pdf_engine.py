"""WeasyPrint, prepared once per process: its import, the font configuration and the
report's stylesheet, shared by every PDF the process makes (``backspasm report``, the web
app's report route).

Three measured reasons (this machine, 2 cores):

- Importing WeasyPrint looks for each native library (Pango, HarfBuzz, fontconfig …) under
  up to six names. For every name but the soname, cffi falls back to
  ``ctypes.util.find_library``, which on Linux runs ``ldconfig -p``, then ``gcc`` and ``ld``
  in subprocesses: 21 look-ups, about 165 ms of a 420 ms import on an idle machine (twice
  that under load). On Linux the sonames WeasyPrint also tries (``libpango-1.0.so.0`` …)
  load directly, so the import is done with ``find_library`` answering "not found" at
  once; should that fail anywhere, it is done again the ordinary way.
- A WeasyPrint font configuration is one Pango font map, whose native memory is not given
  back: one per report made a server's memory grow by about 0.25 MB a report.
- The stylesheet (``templates/report.css``) is parsed once, not with every report.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
from pathlib import Path
from typing import Any

__all__ = ["prepare", "weasyprint", "font_config", "report_stylesheet", "write_pdf",
           "STYLESHEET"]

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = TEMPLATES / "report.css"

#: Held while a PDF is made: a font map is not safe to share between threads at once.
_LOCK = threading.Lock()
#: Held while WeasyPrint is prepared (the import swaps a ``ctypes.util`` function).
_PREPARING = threading.Lock()
_prepared: tuple[Any, Any, Any] | None = None


def _not_found(name: str) -> None:
    return None


def _import_weasyprint() -> Any:
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint as module

        return module
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = _not_found
    try:
        # WeasyPrint prints its installation advice to standard output when a library
        # is missing: kept out of a PDF written to standard output; the ordinary import
        # below says it again if the library is really missing.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint as module
    except OSError:
        ctypes.util.find_library = search
        import weasyprint as module
    finally:
        ctypes.util.find_library = search
    return module


def prepare() -> tuple[Any, Any, Any]:
    """Import WeasyPrint, make the font configuration and parse the stylesheet, once per
    process (later calls return them at once; safe from any thread). Returns (the
    ``weasyprint`` module, the ``FontConfiguration``, the report ``CSS``). A server may
    call it ahead of the first report, e.g. in a background thread at start-up."""
    global _prepared
    with _PREPARING:
        if _prepared is None:
            module = _import_weasyprint()
            from weasyprint.text.fonts import FontConfiguration

            fonts = FontConfiguration()
            css = module.CSS(string=STYLESHEET.read_text(encoding="utf-8"), font_config=fonts)
            _prepared = (module, fonts, css)
        return _prepared


def weasyprint() -> Any:
    """The ``weasyprint`` module, imported once (without the slow library search on Linux)."""
    return (_prepared or prepare())[0]


def font_config() -> Any:
    """The one WeasyPrint ``FontConfiguration`` of the process."""
    return (_prepared or prepare())[1]


def report_stylesheet() -> Any:
    """``templates/report.css`` as a WeasyPrint ``CSS``, parsed once."""
    return (_prepared or prepare())[2]


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"the report loads nothing from outside ({url})")


def write_pdf(html: str) -> bytes | None:
    """``html`` (the report without its inline stylesheet) as PDF bytes, styled with
    :func:`report_stylesheet`. Loads nothing from outside."""
    module, fonts, css = _prepared or prepare()
    document = module.HTML(string=html, base_url=str(TEMPLATES), url_fetcher=_no_fetch)
    with _LOCK:
        return document.write_pdf(stylesheets=[css], font_config=fonts)
