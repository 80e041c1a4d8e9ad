"""Small hardening items (issue 10): ``serve --host [::1]``, HSTS and ``__Host-`` cookies
over https, and weak passwords refused with the right message."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from serve_helpers import free_port, serving
from test_web_auth import PASSWORD, csrf, multi_client


@pytest.mark.slow
def test_serve_listens_on_the_ipv6_loopback(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "backspasm", "serve", "--host", "[::1]", "--port", str(port),
         "--db", str(tmp_path / "v6.db"), "--tz", "UTC"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert f"http://[::1]:{port}/" in proc.stdout.readline()
        for _ in range(200):
            if proc.poll() is not None:
                pytest.fail(proc.stderr.read())
            try:
                r = httpx.get(f"http://[::1]:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            pytest.fail("the server did not answer on [::1]")
        assert r.status_code == 200 and "backspasm" in r.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_hsts_only_with_secure_cookies(tmp_path):
    with serving(tmp_path, "--secure-cookies") as s:
        r = httpx.get(s.url + "/")
        assert r.headers["strict-transport-security"] == "max-age=31536000"
    with serving(tmp_path) as s:  # plain http on a laptop: no HSTS to pin the browser
        assert "strict-transport-security" not in httpx.get(s.url + "/").headers


def test_cookies_carry_the_host_prefix_under_https(tmp_path):
    c = multi_client(tmp_path, secure_cookies=True)
    c.base_url = "https://backspasm.test"
    page = c.get("/signup")
    anon = [h for h in page.headers.get_list("set-cookie") if "bs_csrf=" in h]
    assert anon and anon[0].startswith("__Host-bs_csrf=")
    r = c.post("/signup", data={"email": "ann@example.com", "password": PASSWORD,
                                "csrf_token": csrf(c, "/signup")}, follow_redirects=False)
    cookie = next(h for h in r.headers.get_list("set-cookie") if "bs_session=" in h)
    assert cookie.startswith("__Host-bs_session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert c.get("/api/v1/session").json()["email"] == "ann@example.com"  # it works
    r = c.post("/triage/start", data={"csrf_token": csrf(c, "/")}, follow_redirects=False)
    journey = next(h for h in r.headers.get_list("set-cookie") if "bs_journey=" in h)
    assert journey.startswith("__Host-bs_journey=") and "Secure" in journey
    nxt = c.get("/triage/next", follow_redirects=False)  # the journey is found: it works
    assert "/triage/q/" in nxt.headers.get("location", "")
    # Plain http (no --secure-cookies): the plain name, as before.
    plain = multi_client(tmp_path / "plain")
    assert any(h.startswith("bs_csrf=") for h in plain.get("/signup").headers.get_list(
        "set-cookie"))


@pytest.mark.parametrize(("password", "message"), [
    ("a" * 10, "not one character repeated"),
    (" " * 10, "not one character repeated"),
    ("1234567890", "most common"),
    ("Password123", "most common"),
    ("  QWERTYUIOP  ", "most common"),
    ("x" * 9, "at least 10 characters"),
    ("ab" * 513, "at most 1024 characters"),
])
def test_weak_or_overlong_passwords_are_refused(tmp_path, password, message):
    c = multi_client(tmp_path)
    r = c.post("/signup", data={"email": "ann@example.com", "password": password,
                                "csrf_token": csrf(c, "/signup")}, follow_redirects=False)
    assert r.status_code == 422 and message in r.text
    from backspasm.store.accounts import Accounts

    assert Accounts(c.app.state.store).account_by_email("ann@example.com") is None
