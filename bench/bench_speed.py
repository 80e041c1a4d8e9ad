"""Benchmark: speed a person feels and a server can scale on (issue 12), in one run.

1. Web: the bare baselines this script starts itself (a FastAPI "hello" and a plain
   Starlette ``StaticFiles`` serving the same CSS file, under the uvicorn options of
   ``backspasm serve``) beside ``backspasm serve`` (personal mode, SQLite, an episode and
   300 pain scores): ``wrk`` at 1 and 50 connections, requests/s, p50/p99 latency and the
   server's CPU per request (``/proc/<pid>/stat`` before and after), each as a ratio to
   the bare hello (the static asset also to bare StaticFiles). The server is uvicorn with
   uvloop and httptools, as ``backspasm serve`` runs it; when granian is installed (the
   ``bench`` extra), the bare hello and three of the app's requests are measured under it
   too and printed beside uvicorn's. The plan, the diary and the status are kept until the
   diary changes or the minute turns (web/kept.py), so wrk mostly measures kept pages; the
   rows "afresh: ..." measure the same pages under ``serve --fresh-pages``, worked out on
   every request, as after each change to the diary.
2. Multi-user on PostgreSQL (127.0.0.1:5432 db ``test``, a fresh schema dropped
   afterwards): 1,000 accounts × 300 pain entries, ``/diary`` with signed-in cookies
   spread over the accounts, ``--workers 2`` against ``--workers 1``.
3. Whole-process CLI times with ``hyperfine`` beside ``python -c pass``, and
   ``backspasm serve`` to its first 200 (median of 5).
4. A bounded soak (``_soak.py``): the server's RSS at the start, middle and end.

``--web-only`` (or ``--web-only=WORD``: the requests whose name holds WORD) runs part 1
alone, to measure a change to the pages before and after.

Every table has the issue's target beside each figure. Environment: ``BENCH_DURATION``
(wrk seconds per run, default 4), ``BENCH_SOAK_SECONDS`` (default 60),
``BACKSPASM_BENCH_POSTGRES_URL``. Needs ``wrk`` and ``hyperfine`` (Debian packages; a part
whose tool is missing is skipped with a message).

Every process is measured as a user's install runs it: the package's modules are compiled
to ``.pyc`` first (``compileall``) and ``PYTHONDONTWRITEBYTECODE`` is dropped from the
environment of the processes started here (an editable install in a shell that sets it
would otherwise recompile every module in every process, 25–35 ms each).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _soak import SECONDS as SOAK_SECONDS
from _soak import soak
from _webbench import (
    Load,
    bare_process,
    free_port,
    granian_app,
    lua_post,
    serve_command,
    serve_process,
    server,
    server_stack,
    stop,
    wait_ok,
    wrk,
)

DURATION = os.environ.get("BENCH_DURATION", "4") + "s"
PG_DURATION = f"{2 * int(DURATION[:-1])}s"
PG_URL = os.environ.get("BACKSPASM_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://@127.0.0.1:5432/test")
ACCOUNTS = 1000
SCORES = 300
ANSWERS = {"age": 40, "onset": "2026-11-24T08:00:00+00:00", "pain_now": 6,
           "pain_trend": "same", "trigger": "lifting", "leg_symptoms": "one_leg",
           "now": "2026-11-25T12:00:00+00:00"}
CONNS = (1, 50)


# -- targets -------------------------------------------------------------------------------

@dataclass
class Row:
    """One measured line of a table and the targets it is held to."""

    cells: list[str]
    checks: list[tuple[str, bool]] = field(default_factory=list)

    def target(self) -> str:
        return "; ".join(label for label, _ in self.checks) or "–"

    def meets(self) -> str:
        if not self.checks:
            return "–"
        return "yes" if all(ok for _, ok in self.checks) else "**no**"


def table(title: str, head: list[str], rows: list[Row]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join([*head, "target", "meets target"]) + " |")
    print("|" + "---|" * (len(head) + 2))
    for r in rows:
        print("| " + " | ".join([*r.cells, r.target(), r.meets()]) + " |")


def num(value: float, spec: str) -> str:
    """``value`` formatted with ``spec``, or a dash when it could not be measured."""
    return "–" if value != value else format(value, spec)


def at_least(label: str, value: float, limit: float) -> tuple[str, bool]:
    return label, value >= limit


def at_most(label: str, value: float, limit: float) -> tuple[str, bool]:
    return label, value <= limit


# -- the personal diary used by the web and CLI parts --------------------------------------

def make_diary(db: Path) -> None:
    """A personal SQLite diary: an episode 7 days old and 300 pain scores, 30 min apart."""
    from backspasm.store import open_store

    now = datetime.now(UTC)
    with open_store(f"sqlite:///{db}") as store:
        pid = store.ensure_profile("local", tz="Europe/London").id
        store.import_profile(pid, _document(now), replace=True)


def _document(now: datetime) -> dict[str, Any]:
    return {"format": "backspasm-diary", "version": 1,
            "profile": {"tz": "Europe/London", "wake": "07:00", "sleep": "22:00",
                        "region": "GB"},
            "episodes": [{"onset": (now - timedelta(days=7)).isoformat(),
                          "trigger": "lifting"}],
            "pain": [{"at": (now - timedelta(minutes=30 * i + 1)).isoformat(),
                      "score": i % 11} for i in range(SCORES)],
            "care": [], "triage": []}


# -- 1. web, beside the bare baselines -----------------------------------------------------

WebResult = dict[tuple[str, int], Load]


def measure(results: WebResult, name: str, url: str, pid: int, **kw: Any) -> None:
    progress(name)
    wrk(url, "1s", connections=10, pid=pid, **kw)  # warm up (imports, caches, pool)
    for c in CONNS:
        results[(name, c)] = wrk(url, DURATION, connections=c, pid=pid, **kw)


def web(tmp: Path, db: Path, only: str | None = None) -> WebResult:
    """Every web figure; ``only`` (``--web-only=WORD``): the bare baselines and the requests
    whose name contains ``WORD``."""
    results: WebResult = {}
    log = tmp / "bare.log"
    with bare_process("hello", log) as (base, proc):
        measure(results, "bare hello", base + "/", proc.pid)
    with bare_process("static", log) as (base, proc):
        measure(results, "bare StaticFiles", base + "/static/bs.css", proc.pid)
    # The same pages worked out on every request (nothing kept: web/kept.py), for the
    # record; before the server below, whose POST /api/v1/pain run grows the diary.
    with serve_process(db, "--fresh-pages") as (base, proc):
        for name, path in (("afresh: /plan", "/plan"),
                           (f"afresh: /diary ({SCORES} scores)", "/diary"),
                           ("afresh: /api/v1/status", "/api/v1/status")):
            if not only or only in name:
                measure(results, name, base + path, proc.pid)
    with serve_process(db) as (base, proc):
        with httpx.Client(base_url=base, follow_redirects=True) as c:
            question = c.post("/triage/start", data={})
            question.raise_for_status()
            journey = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        assert "/triage/q/" in question.url.path, question.url
        assert httpx.post(base + "/api/v1/triage", json=ANSWERS).status_code == 200
        lua = lua_post(tmp / "triage.lua", json.dumps(ANSWERS))
        pain = lua_post(tmp / "pain.lua", json.dumps({"score": 4}))
        for name, path, kw in (
                ("static asset /static/bs.css", "/static/bs.css", {}),
                ("GET /", "/", {}),
                (f"question page {question.url.path}", question.url.path, {"cookie": journey}),
                ("POST /api/v1/triage", "/api/v1/triage", {"script": lua}),
                ("/plan (an episode)", "/plan", {}),
                (f"/diary ({SCORES} scores)", "/diary", {}),
                ("/api/v1/status", "/api/v1/status", {}),
                ("POST /api/v1/pain", "/api/v1/pain", {"script": pain})):
            if only and only not in name:
                continue
            measure(results, name, base + path, proc.pid, **kw)
    return results


#: The requests of the server comparison (at 50 connections): name, path.
COMPARED = (("bare hello", "/"), ("static asset /static/bs.css", "/static/bs.css"),
            ("GET /", "/"), ("POST /api/v1/triage", "/api/v1/triage"))


def granian_comparison(tmp: Path, db: Path, uvicorn: WebResult) -> list[Row] | None:
    """The bare hello and three of the app's requests under granian beside the uvicorn
    figures of the same run; ``None`` when granian is not installed."""
    import importlib.util

    if importlib.util.find_spec("granian") is None:
        return None
    log = tmp / "granian.log"
    results: dict[str, Load] = {}
    with bare_process("hello", log, granian=True) as (base, proc):
        progress("granian: bare hello")
        wrk(base + "/", "1s", connections=10, pid=proc.pid)
        results["bare hello"] = wrk(base + "/", DURATION, connections=50, pid=proc.pid)
    lua = lua_post(tmp / "triage-granian.lua", json.dumps(ANSWERS))
    with granian_app(db, log) as (base, proc):
        for name, path in COMPARED[1:]:
            progress(f"granian: {name}")
            kw: dict[str, Any] = {"script": lua} if "triage" in name else {}
            wrk(base + path, "1s", connections=10, pid=proc.pid, **kw)
            results[name] = wrk(base + path, DURATION, connections=50, pid=proc.pid, **kw)
    rows = []
    for name, _ in COMPARED:
        u, g = uvicorn[(name, 50)], results[name]
        rows.append(Row([name, num(u.rps, ",.0f"), num(u.cpu_ms, ".3f"), num(g.rps, ",.0f"),
                         num(g.cpu_ms, ".3f"), f"{ratio_of(g.rps, u.rps):.2f}×"]))
    return rows


def progress(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def ratio_of(a: float, b: float) -> float:
    return a / b if b else float("nan")


def web_rows(results: WebResult) -> list[Row]:
    rows = []
    for (name, c), load in results.items():
        hello = results[("bare hello", c)].rps
        ratio = ratio_of(load.rps, hello)
        vs_static = ""
        checks: list[tuple[str, bool]] = []
        if name.startswith("static"):
            vs_static = f"{ratio_of(load.rps, results[('bare StaticFiles', c)].rps):.2f}×"
            if c == 50:
                checks.append(at_least("≥ 0.9× hello", ratio, 0.9))
        elif c == 50 and name == "POST /api/v1/triage":
            checks.append(at_least("≥ 0.4× hello", ratio, 0.4))
        elif c == 50 and (name == "GET /" or name.startswith("question")):
            checks.append(at_least("≥ 0.3× hello", ratio, 0.3))
        elif c == 50 and name.startswith("/plan"):
            checks.append(at_least("≥ 0.2× hello", ratio, 0.2))
        elif name.startswith("/diary"):
            if c == 50:
                checks.append(at_least("≥ 0.15× hello", ratio, 0.15))
            else:
                checks.append(at_most("p50 ≤ 5 ms", load.p50_ms, 5))
            checks.append(at_most("≤ 5 ms CPU", load.cpu_ms, 5))
        elif name == "/api/v1/status":
            checks.append(at_most("≤ 3 ms CPU", load.cpu_ms, 3))
        rows.append(Row([name, str(c), num(load.rps, ",.0f"), num(load.p50_ms, ".1f"),
                         num(load.p99_ms, ".1f"), num(load.cpu_ms, ".2f"),
                         num(ratio, ".3f") + "×",
                         vs_static or "–"], checks))
    return rows


# -- 2. multi-user on PostgreSQL -----------------------------------------------------------

def postgres_schema() -> tuple[str, Callable[[], None]]:
    """A URL into a fresh schema of ``PG_URL`` and the function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bs_speed_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def fill_accounts(url: str) -> tuple[list[str], float]:
    """``ACCOUNTS`` accounts with ``SCORES`` pain entries and a live session each, through
    the store API; (session cookie values, seconds taken)."""
    import secrets

    from argon2 import PasswordHasher

    from backspasm.store import open_store
    from backspasm.store.accounts import Accounts

    start = time.perf_counter()
    now = datetime.now(UTC)
    doc = _document(now)
    # One argon2id hash for every account (nobody signs in: the sessions are made here).
    password = PasswordHasher().hash("correct horse battery")
    tokens = []
    with open_store(url) as store:
        accounts = Accounts(store)
        for i in range(ACCOUNTS):
            account = accounts.create_account(f"speed{i}@example.com", password,
                                              tz="Europe/London")
            store.import_profile(account.profile_id, doc, replace=True)
            token = secrets.token_urlsafe(32)
            accounts.new_session(account.id, token=token, csrf_token=secrets.token_urlsafe(32),
                                 expires_at=now + timedelta(days=1))
            tokens.append(token)
    return tokens, time.perf_counter() - start


def multi_user(tmp: Path) -> tuple[list[Row], str]:
    url, drop = postgres_schema()
    try:
        progress(f"PostgreSQL: {ACCOUNTS:,} accounts")
        tokens, took = fill_accounts(url)
        script = tmp / "cookies.lua"
        script.write_text(
            "local tokens = {" + ",".join(f'"{t}"' for t in tokens) + "}\n"
            "local n = 0\n"
            "function init(args) n = math.random(#tokens) end\n"
            "function request()\n"
            "  n = n % #tokens + 1\n"
            '  return wrk.format("GET", nil, {Cookie = "bs_session=" .. tokens[n]})\n'
            "end\n")
        loads: dict[int, Load] = {}
        for workers in (1, 2):
            port = free_port()
            cmd = serve_command(url, port, "--multi-user", "--workers", str(workers))
            with server(cmd, port, tmp / "pg-server.log") as proc:
                base = f"http://127.0.0.1:{port}"
                probe = httpx.get(base + "/diary", cookies={"bs_session": tokens[0]})
                assert probe.status_code == 200, probe.status_code
                progress(f"PostgreSQL, --workers {workers}")
                wrk(base + "/diary", "2s", connections=10, pid=proc.pid,
                    script=script)  # warm up
                loads[workers] = wrk(base + "/diary", PG_DURATION, pid=proc.pid,
                                     script=script)
    finally:
        drop()
    rows = []
    for workers, load in loads.items():
        ratio = ratio_of(load.rps, loads[1].rps)
        checks = [at_least("≥ 1.7× --workers 1", ratio, 1.7)] if workers == 2 else []
        rows.append(Row([f"--workers {workers}", num(load.rps, ",.0f"),
                         num(load.p50_ms, ".1f"), num(load.p99_ms, ".1f"),
                         num(load.cpu_ms, ".2f"), num(ratio, ".2f") + "×"],
                        checks))
    note = (f"Set-up: {ACCOUNTS:,} accounts × {SCORES} pain entries and a session each "
            f"through the store API in {took:.0f} s; wrk {PG_DURATION} at 50 connections, "
            "each request with the next account's cookie.")
    return rows, note


# -- 3. whole-process CLI times ------------------------------------------------------------

def cli(tmp: Path, db: Path) -> list[Row]:
    answers = tmp / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    bs = f"{sys.executable} -m backspasm"
    d = f"--db {db}"
    commands = [("python -c pass", f"{sys.executable} -c pass", None),
                # The floor of every diary command: importing SQLAlchemy (Core) alone.
                ("python -c 'import sqlalchemy'", f"{sys.executable} -c 'import sqlalchemy'",
                 None),
                ("backspasm --help", f"{bs} --help", 150),
                ("triage --answers F --json", f"{bs} triage --answers {answers} --json", 200),
                ("log pain 5", f"{bs} log pain 5 {d}", 250),
                ("status", f"{bs} status {d}", 250),
                ("diary", f"{bs} diary {d}", 250),
                ("report FILE", f"{bs} report {tmp / 'report.pdf'} {d}", 1200)]
    out = tmp / "hyperfine.json"
    cmd = ["hyperfine", "-N", "--warmup", "2", "--runs", "15", "--style", "none",
           "--export-json", str(out)]
    for name, command, _ in commands:
        cmd += ["--command-name", name, command]
    progress("hyperfine")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=_cli_env(tmp))
    medians = [r["median"] * 1000 for r in json.loads(out.read_text())["results"]]
    base = medians[0]
    rows = []
    for (name, _, limit), ms in zip(commands, medians, strict=True):
        checks = [at_most(f"≤ {limit:,} ms", ms, limit)] if limit else []
        rows.append(Row([name, f"{ms:,.0f}", f"{ms / base:.1f}×"], checks))
    progress("serve to the first 200")
    first = serve_first_200(tmp, db)
    rows.append(Row(["serve to the first 200 (median of 5)", f"{first:,.0f}",
                     f"{first / base:.1f}×"], [at_most("≤ 1,000 ms", first, 1000)]))
    return rows


def _cli_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": str(tmp / "data"), "NO_COLOR": "1"}


def serve_first_200(tmp: Path, db: Path, runs: int = 5) -> float:
    """Median milliseconds from starting ``backspasm serve`` to its first 200 on ``/``."""
    times = []
    for _ in range(runs):
        port = free_port()
        with (tmp / "serve.log").open("a") as log:
            start = time.perf_counter()
            proc = subprocess.Popen(serve_command(db, port), stdout=subprocess.DEVNULL,
                                    stderr=log, env=_cli_env(tmp), start_new_session=True,
                                    text=True)
            try:
                wait_ok(f"http://127.0.0.1:{port}/", timeout=60, interval=0.01)
                times.append((time.perf_counter() - start) * 1000)
            finally:
                stop(proc)
    return statistics.median(times)


# -- 4. the soak ---------------------------------------------------------------------------

def soak_rows(tmp: Path) -> list[Row]:
    progress("soak")
    samples = soak(tmp)
    start_mb, middle_mb = samples[0][2], samples[1][2]
    rows = []
    for label, secs, mb, sent in samples:
        checks = [at_most("≤ 1.3× start", mb / start_mb, 1.3),
                  at_most("levels off: ≤ 1.05× middle", mb / middle_mb, 1.05)
                  ] if label == "end" else []
        rows.append(Row([label, f"{secs:.0f}", f"{mb:.1f}", f"{mb / start_mb:.2f}×",
                         f"{sent:,}"], checks))
    return rows


# -- main ----------------------------------------------------------------------------------

def compile_package() -> None:
    """Compile the package's modules to ``.pyc`` and let the processes started here keep
    (and use) them, as an installed package has them."""
    import backspasm

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q",
                     str(Path(backspasm.__file__).parent)], check=False,
                    stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    """``--web-only`` (or ``--web-only=WORD``): only the web table (the requests whose name
    contains ``WORD``), for measuring a change to the pages before and after."""
    args = sys.argv[1:] if argv is None else argv
    web_only = next((a for a in args if a.split("=")[0] == "--web-only"), None)
    only = web_only.partition("=")[2] or None if web_only else None
    compile_package()
    missing = [t for t in ("wrk", "hyperfine") if not shutil.which(t)]
    for tool in missing:
        print(f"{tool} is not installed (Debian package {tool}; `make bench` installs it): "
              "the parts that need it are skipped", file=sys.stderr)
    tmp = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    started = time.monotonic()
    notes: list[str] = []
    try:
        db, cli_db = tmp / "web.db", tmp / "cli.db"  # the web part writes to its diary
        make_diary(db)
        make_diary(cli_db)
        print(f"\n## Speed (issue 12): {os.cpu_count()} CPUs, "
              f"Python {sys.version.split()[0]}, {server_stack()}, "
              f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
              f"load average {os.getloadavg()[0]:.1f} at the start; modules compiled to "
              ".pyc first, PYTHONDONTWRITEBYTECODE unset, as an installed package runs")
        if "wrk" not in missing:
            results = web(tmp, db, only)
            table(f"Web, personal mode on SQLite, one uvicorn process (wrk {DURATION} per run; "
                  "ratios to the bare apps measured in the same run)",
                  ["request", "connections", "requests/s", "p50 ms", "p99 ms",
                   "server CPU ms/request", "vs bare hello", "vs bare StaticFiles"],
                  web_rows(results))
            if web_only:
                return 0
            compared = granian_comparison(tmp, db, results)
            if compared is None:
                notes.append("granian is not installed (`make bench` installs the bench "
                             "extra): the server comparison is skipped.")
            else:
                table("Server: uvicorn (what `backspasm serve` runs) against granian, "
                      "50 connections, one worker each, uvloop",
                      ["request", "uvicorn requests/s", "uvicorn CPU ms", "granian requests/s",
                       "granian CPU ms", "granian vs uvicorn"], compared)
            try:
                pg_rows, note = multi_user(tmp)
                table(f"Multi-user on PostgreSQL: /diary, {ACCOUNTS:,} accounts × {SCORES} "
                      "entries, signed-in cookies spread over the accounts",
                      ["server", "requests/s", "p50 ms", "p99 ms", "server CPU ms/request",
                       "vs --workers 1"], pg_rows)
                print(f"\n{note}")
            except Exception as exc:  # PostgreSQL not reachable: say so, go on
                notes.append(f"Multi-user PostgreSQL figure not measured: "
                             f"{str(exc).splitlines()[0]}")
        if "hyperfine" not in missing:
            table("Whole-process CLI times (hyperfine, 2 warm-ups, median of 15; SQLite "
                  f"diary with an episode and {SCORES} scores, --db)",
                  ["command", "median ms", "vs python -c pass"], cli(tmp, cli_db))
        table(f"Memory over a mixed soak (4 clients, {SOAK_SECONDS:.0f} s, 1 worker, SQLite, "
              "multi-user)", ["when", "seconds", "RSS MB", "vs start", "requests so far"],
              soak_rows(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for n in notes:
        print(f"\n{n}")
    print(f"\nThis benchmark took {time.monotonic() - started:.0f} s; load average "
          f"{os.getloadavg()[0]:.1f} at the end.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
