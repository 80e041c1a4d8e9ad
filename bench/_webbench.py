"""Shared by the web benchmarks: start a server (``backspasm serve`` or a bare baseline app)
on a free loopback port, drive it with ``wrk`` (Debian) and read the server's CPU time.
Not a benchmark itself (``run_all.py`` runs only bench_*.py)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CONNECTIONS = 50
HERE = Path(__file__).resolve().parent
#: The options ``backspasm serve`` gives uvicorn (cli/serve.py), as uvicorn's own flags;
#: the loop and HTTP parser are uvicorn's "auto" choice there too (uvloop and httptools,
#: dependencies of the project).
UVICORN_FLAGS = ("--log-level", "warning", "--no-access-log", "--no-server-header",
                 "--no-proxy-headers", "--loop", "auto", "--http", "auto")
#: granian with the same choices (one worker, uvloop, no access log), for the comparison.
GRANIAN_FLAGS = ("--interface", "asgi", "--workers", "1", "--loop", "uvloop",
                 "--log-level", "warning", "--no-access-log", "--no-ws")


def server_stack() -> str:
    """The server, loop and HTTP parser ``backspasm serve`` runs on, with versions."""
    from importlib.metadata import PackageNotFoundError, version

    def v(name: str) -> str:
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            return f"no {name}"

    return ", ".join(v(n) for n in ("uvicorn", "uvloop", "httptools"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing_tools(*names: str) -> list[str]:
    """The programs among ``names`` that are not on PATH."""
    return [n for n in names if not shutil.which(n)]


def wait_ok(url: str, timeout: float = 30.0, interval: float = 0.02,
            any_answer: bool = False) -> float:
    """Poll ``url`` until it answers 200 (or anything, with ``any_answer``); seconds
    waited. Raises on timeout."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if httpx.get(url, timeout=2).status_code == 200 or any_answer:
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


@contextmanager
def server(cmd: Sequence[str], port: int, log: Path,
           env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
    """Run ``cmd`` (listening on ``port``) for the length of the block, waiting for its
    first answer on ``/`` first; it is always stopped afterwards. Its stderr goes to ``log``:
    a file, not a pipe, because a full pipe stalls the server."""
    with log.open("a") as err:
        proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=err, text=True,
                                env=env, start_new_session=True)
        try:
            try:
                wait_ok(f"http://127.0.0.1:{port}/", timeout=60, any_answer=True)
            except RuntimeError:
                raise RuntimeError(f"{' '.join(cmd[:6])} did not start; see {log}") from None
            yield proc
        finally:
            stop(proc)


def stop(proc: subprocess.Popen[str]) -> None:
    """Terminate ``proc`` (and its workers, which share its process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, 15)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def serve_command(db: str | Path, port: int, *extra: str) -> list[str]:
    """``backspasm serve`` on ``db`` and ``port`` with ``extra`` options (a multi-user
    server gets its --public-url)."""
    if "--multi-user" in extra:
        extra = (*extra, "--public-url", f"http://127.0.0.1:{port}")
    return [sys.executable, "-m", "backspasm", "serve", *extra, "--port", str(port),
            "--db", str(db), "--tz", "Europe/London"]


@contextmanager
def serve_process(db: Path, *extra: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``backspasm serve`` on ``db`` for the length of the block, yielding
    ``(base URL, server process)``; its log is server.log beside ``db``."""
    port = free_port()
    with server(serve_command(db, port, *extra), port, db.parent / "server.log") as proc:
        yield f"http://127.0.0.1:{port}", proc


@contextmanager
def bare_process(app: str, log: Path,
                 granian: bool = False) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A baseline app of ``_bare.py`` (``hello`` or ``static``) under uvicorn with the
    options ``backspasm serve`` uses (or under granian)."""
    port = free_port()
    where = ("127.0.0.1", str(port))
    if granian:
        cmd = [sys.executable, "-m", "granian", *GRANIAN_FLAGS, "--host", where[0],
               "--port", where[1], "--working-dir", str(HERE), f"_bare:{app}"]
    else:
        cmd = [sys.executable, "-m", "uvicorn", f"_bare:{app}", "--app-dir", str(HERE),
               "--host", where[0], "--port", where[1], *UVICORN_FLAGS]
    with server(cmd, port, log) as proc:
        yield f"http://127.0.0.1:{port}", proc


@contextmanager
def granian_app(db: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The app of ``backspasm serve`` (personal mode, SQLite ``db``) under granian: the
    factory multi-worker ``serve`` uses, with the settings in the environment."""
    import json

    port = free_port()
    env = {**os.environ, "BACKSPASM_WEB_SETTINGS": json.dumps(
        {"database_url": f"sqlite:///{db}", "timezone": "Europe/London"})}
    cmd = [sys.executable, "-m", "granian", *GRANIAN_FLAGS, "--host", "127.0.0.1",
           "--port", str(port), "--factory", "backspasm.cli.serve:web_factory"]
    with server(cmd, port, log, env=env) as proc:
        yield f"http://127.0.0.1:{port}", proc


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids += [int(k) for k in task.read_text().split()]
        except OSError:
            pass
    return kids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and every live descendant (``/proc/<pid>/stat``)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15)
        todo += _children(p)
    return total


def settle(pid: int, timeout: float = 60.0) -> None:
    """Wait until the server has worked off the requests wrk left queued when it stopped
    (under 10 ms of CPU in each of two 0.25 s intervals), so they do not slow the next run."""
    deadline = time.monotonic() + timeout
    quiet, last = 0, cpu_seconds(pid)
    while quiet < 2 and time.monotonic() < deadline:
        time.sleep(0.25)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now - last < 0.01 else 0
        last = now


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass(frozen=True)
class Load:
    """One wrk run: throughput, latency percentiles and the server's CPU per request."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_ms: float  # server CPU per request


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, duration: str, *, connections: int = CONNECTIONS, pid: int | None = None,
        cookie: str | None = None, script: Path | None = None) -> Load:
    """Drive ``url`` with ``connections`` connections for ``duration``; ``pid`` is the
    server whose CPU time is read before and after (and which is then let settle)."""
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}",
           "--latency", "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if script:
        cmd += ["-s", str(script)]
    cpu0 = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(pid) - cpu0 if pid else float("nan")
    if pid:
        settle(pid)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    n = int(re.search(r"(\d+) requests in", out).group(1))
    p50, p99 = (_ms(*re.search(rf"{q}%\s+([\d.]+)(us|ms|s|m)\b", out).groups())
                for q in ("50", "99"))
    if n == 0:
        p50 = p99 = float("nan")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    if errors:
        print(f"warning: {errors} failed or non-2xx answers from {url}", file=sys.stderr)
    return Load(rps, p50, p99, n, errors, cpu / n * 1000 if n else float("nan"))


def lua_post(path: Path, body: str, headers: dict[str, str] | None = None) -> Path:
    """A wrk script that POSTs ``body`` (JSON) with ``headers``."""
    quoted = body.replace("\\", "\\\\").replace('"', '\\"')
    lines = ['wrk.method = "POST"', f'wrk.body = "{quoted}"',
             'wrk.headers["Content-Type"] = "application/json"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in (headers or {}).items()]
    path.write_text("\n".join(lines) + "\n")
    return path
