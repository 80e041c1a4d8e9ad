"""The work a server does once after its first answer (web/warmup.py): run once, in the
background, never before the first page; off in tests, on in ``backspasm serve``."""

from __future__ import annotations

import threading

from starlette.middleware import Middleware

from backspasm.web.warmup import AfterFirstRequest
from web_helpers import make_client


def test_the_work_runs_once_after_the_first_request(tmp_path):
    client = make_client(tmp_path)
    done = threading.Event()
    calls: list[str] = []

    def work() -> None:
        calls.append(threading.current_thread().name)
        done.set()

    app = client.app
    app.user_middleware.insert(0, Middleware(AfterFirstRequest, work=work))
    app.middleware_stack = None  # rebuilt with the middleware on the next request
    assert calls == []
    assert client.get("/").status_code == 200
    assert done.wait(10)
    for _ in range(3):
        client.get("/learn")
    assert calls == ["backspasm-warm-up"]


def test_warm_up_compiles_every_page_template(tmp_path):
    from backspasm.web.warmup import warm_up

    client = make_client(tmp_path)
    env = client.app.state.templates.env
    calls: list[bool] = []
    assert len(env.cache) == 0
    import backspasm.web.warmup as warmup

    original = warmup.prepare_report_engine
    warmup.prepare_report_engine = lambda: calls.append(True)
    try:
        warm_up(client.app.state.templates)
    finally:
        warmup.prepare_report_engine = original
    names = [n for n in env.list_templates() if n.endswith(".html")]
    assert len(names) > 10 and len(env.cache) == len(names)
    assert calls == [True]


def test_tests_do_not_warm_up_but_serve_does(tmp_path):
    import inspect

    from backspasm.cli import serve

    assert make_client(tmp_path).app.state.settings.warm_up is False
    assert "warm_up=True" in inspect.getsource(serve.serve)


def test_warm_up_loads_the_locale_data_the_pages_format_with():
    """Babel reads its locale and time-zone data on first use (about 4 MB): loaded in the
    warm-up, it does not look like growth under load. Checked in a fresh process."""
    import subprocess
    import sys

    code = ("import babel.core, babel.localedata\n"
            "from backspasm.web.warmup import load_locale_data\n"
            "assert babel.core._global_data is None and 'en' not in babel.localedata._cache\n"
            "load_locale_data()\n"
            "assert babel.core._global_data is not None and 'en' in babel.localedata._cache\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_warm_up_runs_the_locale_data_step(tmp_path, monkeypatch):
    import backspasm.web.warmup as warmup

    calls: list[str] = []
    monkeypatch.setattr(warmup, "prepare_report_engine", lambda: calls.append("report"))
    monkeypatch.setattr(warmup, "load_locale_data", lambda: calls.append("locale"))
    warmup.warm_up(make_client(tmp_path).app.state.templates)
    assert calls == ["locale", "report"]
