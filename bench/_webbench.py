"""Shared by the web benchmarks: start ``backspasm serve`` on a free loopback port and drive
it with ``wrk`` (Debian). Not a benchmark itself (``run_all.py`` runs only bench_*.py)."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CONNECTIONS = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db: Path, *extra: str) -> Iterator[str]:
    """Run ``backspasm serve`` on ``db`` (with ``extra`` options) for the length of the
    block; yields the base URL (``serve_process`` also gives the process)."""
    with serve_process(db, *extra) as (base, _proc):
        yield base


@contextmanager
def serve_process(db: Path, *extra: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``serve``, yielding ``(base URL, server process)``. Its stderr goes to server.log
    beside ``db``: a file, not a pipe, because a full pipe stalls the server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if "--multi-user" in extra:
        extra = (*extra, "--public-url", base)
    with (db.parent / "server.log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "backspasm", "serve", *extra,
                                 "--port", str(port), "--db", str(db), "--tz", "Europe/London"],
                                stdout=subprocess.DEVNULL, stderr=log, text=True)
        try:
            for _ in range(400):
                try:
                    httpx.get(base + "/", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.05)
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def wrk(url: str, duration: str, cookie: str | None = None,
        script: Path | None = None) -> tuple[float, float]:
    """(requests/s, p99 latency in ms) from ``CONNECTIONS`` connections over ``duration``."""
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"warning: {non2xx.group(1)} non-2xx answers from {url}", file=sys.stderr)
    return rps, p99


def run(measure: Callable[[str, Path], None], *extra: str,
        prepare: Callable[[Path], None] | None = None) -> int:
    """A benchmark's main: skipped (exit 0) without wrk; otherwise ``prepare(db)`` on a new
    temporary diary, serve it (with ``extra`` options) and ``measure(base_url, tmp_dir)``."""
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian package wrk): skipped", file=sys.stderr)
        return 0
    tmp = Path(tempfile.mkdtemp())
    db = tmp / "bench.db"
    try:
        if prepare:
            prepare(db)
        with serve(db, *extra) as base:
            measure(base, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0
