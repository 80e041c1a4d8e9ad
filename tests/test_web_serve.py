"""``backspasm serve``: loopback only in personal mode, prints its address, serves the app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from backspasm.cli.serve import is_loopback


@pytest.mark.parametrize(("host", "ok"), [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
    ("example.org", False), ("", False),
])
def test_is_loopback(host, ok):
    assert is_loopback(host) is ok


def _run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backspasm", *args], capture_output=True,
                          text=True, timeout=60, **kw)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::"])
def test_serve_refuses_a_public_address(host):
    r = _run("serve", "--host", host)
    assert r.returncode == 2
    assert r.stderr.startswith("Error: --host:") and "Traceback" not in r.stderr


def test_serve_rejects_a_bad_time_zone():
    r = _run("serve", "--tz", "Mars/Base")
    assert r.returncode == 2 and "--tz" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("kind", ["not-a-database", "closed-port"])
def test_serve_with_a_diary_it_cannot_open_says_so_without_a_traceback(tmp_path, kind):
    if kind == "not-a-database":
        bad = tmp_path / "diary.db"
        bad.write_text("this is not a database\n")
        db = str(bad)
    else:
        db = f"postgresql://127.0.0.1:{_free_port()}/test"
    r = _run("serve", "--port", str(_free_port()), "--db", db)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: --db:") and "Traceback" not in r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_prints_the_address_and_serves(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "backspasm", "serve", "--port", str(port),
         "--db", str(tmp_path / "serve.db"), "--tz", "UTC"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    assert r.status == 200 and b"backspasm" in r.read()
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_serve_writes_no_access_log_with_request_paths(tmp_path):
    """H19: the real server logs no request line, so a feed token or a page path (which may
    say what someone is looking at) never lands in a log file."""
    import secrets

    port = _free_port()
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backspasm", "serve", "--port", str(port),
             "--db", str(tmp_path / "serve.db"), "--tz", "UTC"],
            stdout=stdout, stderr=stderr, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        token = secrets.token_urlsafe(24)
        paths = [f"/feeds/{token}.ics", "/diary", "/learn", "/nothing-here-" + token[:8]]
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail("the server did not answer")
            statuses = []
            for path in paths:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                        statuses.append(r.status)
                except urllib.error.HTTPError as exc:
                    statuses.append(exc.code)
            assert statuses[1:3] == [200, 200] and statuses[3] == 404  # they were served
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    logged = out.read_text() + err.read_text()
    assert f"127.0.0.1:{port}" in logged  # the output was captured (the address line)
    for path in paths + ["GET /", token]:
        assert path not in logged, f"{path!r} in the server's output:\n{logged}"
