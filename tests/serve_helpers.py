"""The real server for tests about what it answers: ``backspasm serve`` on a free loopback
port (stderr to a file, so a full pipe never stalls it), stopped at the end of the block."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    url: str
    port: int
    proc: subprocess.Popen
    log: Path


@contextmanager
def serving(folder: Path, *extra: str, db: str | None = None,
            env: dict[str, str] | None = None) -> Iterator[Served]:
    """``backspasm serve`` on a diary in ``folder`` (or ``db``; ``""``: no ``--db`` at all)
    with ``extra`` options; a multi-user server gets ``--public-url http://127.0.0.1:PORT``
    unless one is given."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [*extra]
    if "--multi-user" in args and "--public-url" not in args:
        args += ["--public-url", url]
    log = folder / f"server-{port}.log"
    with log.open("w") as err:
        where = [] if db == "" else ["--db", db or str(folder / "served.db")]
        proc = subprocess.Popen(
            [sys.executable, "-m", "backspasm", "serve", "--port", str(port), *where,
             "--tz", "Europe/London", *args],
            stdout=subprocess.DEVNULL, stderr=err, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    try:
        for _ in range(400):
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()}")
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            raise RuntimeError("server did not start")
        yield Served(url, port, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
