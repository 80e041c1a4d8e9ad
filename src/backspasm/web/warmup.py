"""Work a server does once, after it has answered its first request: compiling the page
templates, importing what the routes import on first use (the calendar and FHIR exports),
loading Babel's locale data and preparing the PDF report's engine (WeasyPrint, its fonts
and the report's stylesheet).

Prepared at start-up rather than by the first use, a server's memory stays level once it
runs: the first report used to add about 33 MB (the engine and its native font
libraries), which then looked like growth under load, and no first visit of a page waits
for its template to compile. Done after the first answer, in a background thread, so it
never delays the first page a person opens.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_log = logging.getLogger(__name__)
#: A one-line document: laying it out loads the fonts the report uses.
WARM_UP_HTML = "<html><body><h1>backspasm</h1><p>0 1 2 <b>3</b> <i>4</i></p></body></html>"


#: Modules the routes import on first use (found by listing what a soak's first requests
#: import: the calendar's icalendar, sign-in's argon2, Babel's formats, the diary trends).
LAZY_MODULES = ("backspasm.exports.ics", "backspasm.exports.fhir", "backspasm.exports.source",
                "backspasm.exports.report", "icalendar", "argon2", "babel.dates",
                "babel.numbers", "babel.plural", "backspasm.core.trends",
                "backspasm.core.limits")


def warm_up(templates: Any) -> None:
    """Compile every page template, import :data:`LAZY_MODULES`, prepare the report."""
    env = templates.env
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        env.get_template(name)
    for module in LAZY_MODULES:
        importlib.import_module(module)
    load_locale_data()
    prepare_report_engine()


def load_locale_data() -> None:
    """Format a date, a time, a number, a list and a plural once in every named shape, so
    Babel loads its locale and time-zone data now (about 4 MB, read on first use) and the
    pages' first dates do not show up as growth later."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from backspasm.knowledge import formats

    moment = datetime(2026, 3, 29, 0, 30, tzinfo=UTC).astimezone(ZoneInfo("Europe/London"))
    for pattern in formats.PATTERNS:
        formats.format_datetime(moment, pattern)
    formats.format_time(moment)
    formats.format_date(moment.date())
    formats.format_number(2.5, 1)
    formats.format_list(["1", "2"])
    formats.format_list(["1", "2"], style="standard")
    formats.plural_words(2, "{n} time", "{n} times")


def prepare_report_engine() -> None:
    """Import and prepare the PDF engine once for this process (and lay out one line)."""
    try:
        engine = importlib.import_module("backspasm.exports.pdf_engine")
    except ImportError:  # an exports package without the shared engine: the import only
        importlib.import_module("weasyprint")
        return
    engine.write_pdf(WARM_UP_HTML)


class AfterFirstRequest:
    """Pure ASGI middleware: once the first HTTP request has been answered, run ``work``
    in a background thread; afterwards it only passes requests on."""

    def __init__(self, app: ASGIApp, *, work: Callable[[], None]) -> None:
        self.app = app
        self.work = work
        self.started: threading.Thread | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if self.started is None and scope["type"] == "http":
            self.started = threading.Thread(target=self._run, name="backspasm-warm-up",
                                            daemon=True)
            self.started.start()

    def _run(self) -> None:
        try:
            self.work()
        except Exception as exc:  # the report route says so itself, when asked for one
            _log.warning("warming up failed: %s", type(exc).__name__)
