"""DNS rebinding: the real server answers only its own host names (issue 10, finding 1)."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from serve_helpers import serving
from web_helpers import client_for, make_client

pytestmark = pytest.mark.slow


def test_personal_server_answers_only_loopback_host_names(tmp_path):
    with serving(tmp_path) as s:
        assert httpx.post(s.url + "/api/v1/pain", json={"score": 4}).status_code == 201
        for host in ("127.0.0.1", "localhost", "[::1]"):
            r = httpx.get(s.url + "/api/v1/pain", headers={"host": f"{host}:{s.port}"})
            assert r.status_code == 200 and len(r.json()["pain"]) == 1, host
        evil = f"attacker.example:{s.port}"
        r = httpx.get(s.url + "/api/v1/pain", headers={"host": evil})
        assert r.status_code == 400 and "score" not in r.text
        # The rebinding page posts to its own origin: Host and Origin match, so only the
        # host check stands between it and "Delete everything".
        r = httpx.post(s.url + "/privacy/delete", data={"csrf_token": ""},
                       headers={"host": evil, "origin": f"http://{evil}"})
        assert r.status_code == 400
        assert len(httpx.get(s.url + "/api/v1/pain").json()["pain"]) == 1  # not deleted


def test_multi_user_server_answers_only_its_public_host(tmp_path):
    with serving(tmp_path, "--multi-user") as s:
        assert httpx.get(s.url + "/signin").status_code == 200
        for host in ("attacker.example", f"localhost:{s.port}"):
            r = httpx.get(s.url + "/signin", headers={"host": host})
            assert r.status_code == 400, host


@pytest.mark.parametrize("extra", [[], ["--public-url", "diary.example.org"],
                                   ["--public-url", "https://diary.example.org/app"]])
def test_multi_user_needs_a_public_url(extra):
    r = subprocess.run([sys.executable, "-m", "backspasm", "serve", "--multi-user", *extra],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("Error: --public-url:"), r.stderr


def test_personal_mode_takes_no_public_url():
    r = subprocess.run([sys.executable, "-m", "backspasm", "serve", "--public-url",
                        "https://diary.example.org"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith("Error: --public-url:")


def test_feed_link_is_built_from_the_public_url_not_the_request(tmp_path):
    from test_web_auth import csrf, sign_up

    c = make_client(tmp_path, multi_user=True, public_url="https://diary.example.org")
    c = client_for(c.app)
    c.base_url = "http://diary.example.org"  # same host, but the request came in as http
    sign_up(c, "ann@example.com")
    r = c.post("/exports/feed", data={"csrf_token": csrf(c, "/exports")})
    assert r.status_code == 200
    assert "https://diary.example.org/feeds/" in r.text
    assert "http://diary.example.org/feeds/" not in r.text
