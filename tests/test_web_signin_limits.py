"""Sign-in and sign-up ceilings through the real server (issue 10, finding 2): proxy headers
are ignored unless ``--proxy``, failed sign-ins are capped per account from any address,
and sign-ups per address."""

from __future__ import annotations

import re

import httpx
import pytest

from backspasm.web.pages.account import (
    FAILURE_WINDOW,
    MAX_ACCOUNT_FAILURES,
    MAX_FAILURES,
    MAX_SIGNUPS,
)
from serve_helpers import serving

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _client(url: str, source: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=source))


def _post_form(c: httpx.Client, path: str, data: dict, **headers: str) -> httpx.Response:
    token = TOKEN.search(c.get(path).text).group(1)
    return c.post(path, data={**data, "csrf_token": token}, headers=headers)


def _sign_up(url: str, email: str) -> None:
    with _client(url) as c:
        assert _post_form(c, "/signup", {"email": email, "password": PASSWORD}).status_code == 303


def _guess(url: str, password: str, *, source: str = "127.0.0.1",
           forwarded: str | None = None) -> int:
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    with _client(url, source) as c:
        return _post_form(c, "/signin", {"email": "ann@example.com", "password": password},
                          **headers).status_code


def test_forwarded_for_is_ignored_without_proxy(tmp_path):
    with serving(tmp_path, "--multi-user") as s:
        _sign_up(s.url, "ann@example.com")
        codes = [_guess(s.url, f"wrong guess {i}!", forwarded=f"10.0.0.{i}") for i in range(8)]
        assert codes == [422] * MAX_FAILURES + [429] * (8 - MAX_FAILURES)
        assert _guess(s.url, PASSWORD, forwarded="10.9.9.9") == 429


def test_failed_sign_ins_are_capped_per_account_from_any_address(tmp_path):
    with serving(tmp_path, "--multi-user") as s:
        _sign_up(s.url, "ann@example.com")
        codes = [_guess(s.url, f"wrong guess {i}!", source=f"127.0.0.{2 + i // 4}")
                 for i in range(MAX_ACCOUNT_FAILURES + 2)]
        assert codes.count(422) == MAX_ACCOUNT_FAILURES and codes[-2:] == [429, 429]
        with _client(s.url, "127.0.0.9") as c:
            r = _post_form(c, "/signin", {"email": "ann@example.com", "password": PASSWORD})
        assert r.status_code == 429 and "Too many tries" in r.text
        assert 0 < int(r.headers["retry-after"]) <= FAILURE_WINDOW.total_seconds()
        # Another account is not locked by the guesses at this one.
        _sign_up(s.url, "bob@example.com")
        with _client(s.url, "127.0.0.9") as c:
            r = _post_form(c, "/signin", {"email": "bob@example.com", "password": PASSWORD})
        assert r.status_code == 303


def test_with_proxy_the_forwarded_address_counts_and_the_account_cap_holds(tmp_path):
    with serving(tmp_path, "--multi-user", "--proxy") as s:
        _sign_up(s.url, "ann@example.com")
        # Per address: the forwarded one is the client now.
        codes = [_guess(s.url, "wrong guess!", forwarded="10.0.0.1") for _ in range(6)]
        assert codes == [422] * MAX_FAILURES + [429]
        assert _guess(s.url, PASSWORD, forwarded="10.0.0.2") == 303
        codes = [_guess(s.url, "wrong guess!", forwarded=f"10.0.1.{i}") for i in range(8)]
        assert codes.count(422) == MAX_ACCOUNT_FAILURES - MAX_FAILURES
        assert _guess(s.url, PASSWORD, forwarded="10.0.2.1") == 429


def test_sign_ups_are_capped_per_address(tmp_path):
    from web_helpers import make_client

    c = make_client(tmp_path, multi_user=True)
    token = TOKEN.search(c.get("/signup").text).group(1)
    for i in range(MAX_SIGNUPS):
        c.cookies.delete("bs_session")
        r = c.post("/signup", data={"email": f"p{i}@example.com", "password": PASSWORD,
                                    "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, (i, r.text)
        c.cookies.set("bs_csrf", token)
    c.cookies.delete("bs_session")
    r = c.post("/signup", data={"email": "late@example.com", "password": PASSWORD,
                                "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    from backspasm.store.accounts import Accounts

    assert Accounts(c.app.state.store).account_by_email("late@example.com") is None
