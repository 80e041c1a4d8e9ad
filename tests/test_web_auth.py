"""Accounts, sessions, CSRF and sign-in rate limiting (multi-user mode)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from backspasm.store import ConflictError, StoreError
from backspasm.store.accounts import Accounts, normalise_email
from web_helpers import make_client

NOW = datetime.now(UTC).replace(microsecond=0)
HASH = "$argon2id$v=19$m=65536,t=3,p=4$" + "x" * 40


# --- the store's account tables (SQLite and PostgreSQL) -----------------------------------

def test_account_owns_a_new_profile_and_email_is_unique(store):
    acc = Accounts(store)
    a = acc.create_account(" Ann@Example.COM ", HASH, tz="Europe/London")
    assert a.email == "ann@example.com"
    assert store.get_profile(a.profile_id).tz == "Europe/London"
    assert acc.account_by_email("ANN@example.com") == a
    with pytest.raises(ConflictError) as err:
        acc.create_account("ann@example.com", HASH)
    assert err.value.field == "email"
    b = acc.create_account("bob@example.com", HASH)
    assert b.profile_id != a.profile_id


@pytest.mark.parametrize("bad", ["", "ann", "ann@", "@example.com", "a b@example.com",
                                 "ann@example", None, 5])
def test_bad_email_names_the_field_and_writes_nothing(store, bad):
    with pytest.raises(StoreError) as err:
        Accounts(store).create_account(bad, HASH)
    assert err.value.field == "email"
    assert Accounts(store).account_by_email("ann@example.com") is None


def test_sessions_are_found_by_token_until_they_expire_or_end(store):
    acc = Accounts(store)
    a = acc.create_account("ann@example.com", HASH)
    token = "t" * 43
    acc.new_session(a.id, token=token, csrf_token="c" * 43, expires_at=NOW + timedelta(days=1))
    info = acc.session(token, now=NOW)
    assert info is not None and info.profile_id == a.profile_id and info.csrf_token == "c" * 43
    assert acc.session(token, now=NOW + timedelta(days=2)) is None  # expired
    assert acc.session("u" * 43, now=NOW) is None
    assert acc.session(None, now=NOW) is None
    acc.end_session(token)
    assert acc.session(token, now=NOW) is None


def test_the_store_keeps_only_hashes_of_session_tokens(store):
    from sqlalchemy import text

    acc = Accounts(store)
    a = acc.create_account("ann@example.com", HASH)
    token = "secret-cookie-value-" + "z" * 30
    acc.new_session(a.id, token=token, csrf_token="c" * 43, expires_at=NOW + timedelta(days=1))
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM web_sessions")).scalars().all()
    assert token not in stored and len(stored[0]) == 64


def test_forgetting_the_profile_deletes_the_account_and_its_sessions(store):
    acc = Accounts(store)
    a = acc.create_account("ann@example.com", HASH)
    acc.new_session(a.id, token="t" * 43, csrf_token="c" * 43,
                    expires_at=NOW + timedelta(days=1))
    store.forget(a.profile_id)
    assert acc.account_by_email("ann@example.com") is None
    assert acc.session("t" * 43, now=NOW) is None
    acc.create_account("ann@example.com", HASH)  # the address is free again


def test_signin_failures_are_counted_per_key_and_window(store):
    acc = Accounts(store)
    for i in range(3):
        acc.record_signin_failure("ann|1.2.3.4", at=NOW - timedelta(minutes=20 - i))
    acc.record_signin_failure("ann|1.2.3.4", at=NOW)
    acc.record_signin_failure("bob|1.2.3.4", at=NOW)
    assert acc.signin_failures("ann|1.2.3.4", since=NOW - timedelta(minutes=15)) == 1
    assert acc.signin_failures("ann|1.2.3.4", since=NOW - timedelta(hours=1)) == 4
    acc.clear_signin_failures("ann|1.2.3.4")
    assert acc.signin_failures("ann|1.2.3.4", since=NOW - timedelta(hours=1)) == 0
    assert acc.signin_failures("bob|1.2.3.4", since=NOW - timedelta(hours=1)) == 1


def test_normalise_email():
    assert normalise_email("  A@B.CO ") == "a@b.co"


# --- the web layer -----------------------------------------------------------------------

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf(client: TestClient, path: str = "/diary") -> str:
    """The CSRF token the page at ``path`` puts in its forms."""
    m = TOKEN.search(client.get(path).text)
    assert m, f"no CSRF field on {path}"
    return m.group(1)


def sign_up(client: TestClient, email: str, password: str = PASSWORD) -> TestClient:
    r = client.post("/signup", data={"email": email, "password": password,
                                     "csrf_token": csrf(client, "/signup")},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def multi_client(tmp_path, **settings) -> TestClient:
    return make_client(tmp_path, multi_user=True, **settings)


@pytest.fixture
def mu(tmp_path) -> TestClient:
    return multi_client(tmp_path)


def test_sign_up_sets_a_httponly_samesite_session_cookie(mu):
    r = mu.post("/signup", data={"email": "ann@example.com", "password": PASSWORD,
                                 "csrf_token": csrf(mu, "/signup")}, follow_redirects=False)
    assert r.status_code == 303
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("bs_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "Sign out" in mu.get("/diary").text


def test_cookies_are_secure_when_served_over_https(tmp_path):
    c = multi_client(tmp_path, secure_cookies=True)
    c.base_url = "https://backspasm.test"
    r = c.post("/signup", data={"email": "ann@example.com", "password": PASSWORD,
                                "csrf_token": csrf(c, "/signup")}, follow_redirects=False)
    cookie = next(h for h in r.headers.get_list("set-cookie")
                  if h.startswith("__Host-bs_session="))
    assert "Secure" in cookie


def test_passwords_are_stored_as_argon2id_hashes(mu):
    sign_up(mu, "ann@example.com")
    acc = Accounts(mu.app.state.store).account_by_email("ann@example.com")
    assert acc.password_hash.startswith("$argon2id$") and PASSWORD not in acc.password_hash


def test_signed_out_pages_go_to_sign_in_and_the_api_says_401(mu):
    # (The symptom check itself is open signed out: test_web_design_a.py.)
    for path in ("/diary", "/plan", "/settings", "/privacy"):
        r = mu.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin"), path
    r = mu.get("/api/v1/pain")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "session"
    # The stateless API needs no account.
    assert mu.post("/api/v1/triage", json={}).status_code == 200


def test_sign_in_returns_to_the_page_asked_for_and_never_off_site(mu):
    sign_up(mu, "ann@example.com")
    mu.post("/signout", data={"csrf_token": csrf(mu)})
    assert mu.get("/diary", follow_redirects=False).headers["location"] == "/signin?next=/diary"
    token = csrf(mu, "/signin")
    r = mu.post("/signin", data={"email": "ANN@example.com", "password": PASSWORD,
                                 "next": "/diary", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary"
    mu.post("/signout", data={"csrf_token": csrf(mu)})
    r = mu.post("/signin", data={"email": "ann@example.com", "password": PASSWORD,
                                 "next": "//evil.example/", "csrf_token": csrf(mu, "/signin")},
                follow_redirects=False)
    assert r.headers["location"] == "/"


def test_sign_up_errors_name_the_field_and_create_nothing(mu):
    token = csrf(mu, "/signup")
    r = mu.post("/signup", data={"email": "not-an-address", "password": "short",
                                 "csrf_token": token})
    assert r.status_code == 422
    assert "Enter an e-mail address" in r.text and "at least 10 characters" in r.text
    assert 'href="#email"' in r.text and 'href="#password"' in r.text
    sign_up(mu, "ann@example.com")
    mu.post("/signout", data={"csrf_token": csrf(mu)})
    r = mu.post("/signup", data={"email": "Ann@Example.com", "password": PASSWORD,
                                 "csrf_token": csrf(mu, "/signup")})
    assert r.status_code == 422 and "already an account" in r.text


def test_sign_out_ends_the_session_on_the_server(mu):
    sign_up(mu, "ann@example.com")
    old = mu.cookies.get("bs_session")
    mu.post("/signout", data={"csrf_token": csrf(mu)})
    mu.cookies.set("bs_session", old)  # a stolen copy of the cookie no longer works
    assert mu.get("/diary", follow_redirects=False).status_code == 303
    assert mu.get("/api/v1/pain").status_code == 401


def test_signing_in_again_issues_a_new_session_id(mu):
    sign_up(mu, "ann@example.com")
    first = mu.cookies.get("bs_session")
    mu.post("/signin", data={"email": "ann@example.com", "password": PASSWORD,
                             "csrf_token": csrf(mu)}, follow_redirects=False)
    assert mu.cookies.get("bs_session") != first


def _sign_in(client: TestClient, email: str, password: str):
    return client.post("/signin", data={"email": email, "password": password,
                                        "csrf_token": csrf(client, "/signin")},
                       follow_redirects=False)


def test_five_failures_lock_sign_in_for_that_account_even_in_another_worker(tmp_path):
    first = multi_client(tmp_path)
    sign_up(first, "ann@example.com")
    sign_up(multi_client(tmp_path), "bob@example.com")
    first.cookies.clear()
    for _ in range(5):
        r = _sign_in(first, "ann@example.com", "wrong password!")
        assert r.status_code == 422 and "not right" in r.text
    # A second app process on the same database sees the same count.
    second = multi_client(tmp_path)
    r = _sign_in(second, "ann@example.com", PASSWORD)
    assert r.status_code == 429 and "Too many tries" in r.text
    assert 15 * 60 - 60 < int(r.headers["retry-after"]) <= 15 * 60  # until the window frees
    assert "bs_session" not in second.cookies
    # Another account from the same place is not locked.
    assert _sign_in(second, "bob@example.com", PASSWORD).status_code == 303


def test_unknown_address_and_wrong_password_look_the_same(mu):
    sign_up(mu, "ann@example.com")
    mu.cookies.clear()
    a = _sign_in(mu, "nobody@example.com", PASSWORD)
    b = _sign_in(mu, "ann@example.com", "wrong password!")
    assert a.status_code == b.status_code == 422
    msg = re.compile(r'bs-error-message[^>]*>(.*?)</p>', re.S)
    assert msg.findall(a.text) == msg.findall(b.text)


def test_forms_without_the_right_csrf_token_are_refused_and_write_nothing(tmp_path):
    mu = multi_client(tmp_path)
    sign_up(mu, "ann@example.com")
    other = sign_up(multi_client(tmp_path), "bob@example.com")
    for token in (None, "", "x" * 43, csrf(other)):
        data = {"score": "5"} if token is None else {"score": "5", "csrf_token": token}
        r = mu.post("/diary/pain", data=data)
        assert r.status_code == 403, token
        assert "reload the page" in r.text and r.headers["content-type"].startswith("text/html")
    assert mu.get("/api/v1/pain").json()["pain"] == []
    assert mu.post("/diary/pain", data={"score": "5", "csrf_token": csrf(mu)},
                   follow_redirects=False).status_code == 303
    assert len(mu.get("/api/v1/pain").json()["pain"]) == 1


def test_api_writes_with_a_session_need_the_csrf_header(mu):
    sign_up(mu, "ann@example.com")
    r = mu.post("/api/v1/pain", json={"score": 4})
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    token = mu.get("/api/v1/session").json()["csrf_token"]
    assert mu.post("/api/v1/pain", json={"score": 4},
                   headers={"X-CSRF-Token": token}).status_code == 201
    assert mu.delete("/api/v1/pain/1").status_code == 403
    assert mu.delete("/api/v1/pain/1", headers={"X-CSRF-Token": token}).status_code == 204


def test_sign_in_and_sign_up_forms_need_their_token_too(mu):
    mu.get("/signup")
    r = mu.post("/signup", data={"email": "ann@example.com", "password": PASSWORD})
    assert r.status_code == 403
    assert Accounts(mu.app.state.store).account_by_email("ann@example.com") is None


def test_a_post_from_another_site_is_refused_in_personal_mode(tmp_path):
    c = make_client(tmp_path)
    r = c.post("/diary/pain", data={"score": "5"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    # the app's own error page, with the security headers every response carries
    csrf = c.app.state.kb["web"]["csrf"]
    assert r.headers["content-type"].startswith("text/html") and csrf in r.text
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
    r = c.post("/api/v1/pain", json={"score": 5}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["detail"] == c.app.state.kb["web"]["csrf_api"]
    assert r.json()["detail"].startswith("origin: ")  # a program sends no form
    assert r.headers["content-type"] == "application/problem+json"
    assert "content-security-policy" in r.headers
    assert c.get("/api/v1/pain").json()["pain"] == []
    r = c.post("/diary/pain", data={"score": "5"}, headers={"Sec-Fetch-Site": "cross-site",
                                                           "Origin": "null"})
    assert r.status_code == 403
    assert c.get("/api/v1/pain").json()["pain"] == []
    # Our own forms: same origin, or Origin "null" when the browser says same-origin.
    for headers in ({"Origin": "http://127.0.0.1"}, {"Origin": "null",
                                                      "Sec-Fetch-Site": "same-origin"}):
        ok = c.post("/diary/pain", data={"score": "5"}, headers=headers,
                    follow_redirects=False)
        assert ok.status_code == 303


def test_personal_mode_has_no_sign_in_pages(tmp_path):
    c = make_client(tmp_path)
    assert c.get("/signin").status_code == 404
    assert c.get("/api/v1/session").json() == {"multi_user": False, "email": None,
                                               "csrf_token": None}
    assert "Sign in" not in c.get("/diary").text


def test_serve_refuses_other_addresses_in_personal_mode_only():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "backspasm", "serve", "--host", "0.0.0.0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "loopback" in r.stderr and "Traceback" not in r.stderr


# --- H20: emergency advice never waits behind sign-in ----------------------------------------

def _has_emergency_card(html: str, number: str = "999") -> bool:
    return ('data-signs' in html and f'href="tel:{number}"' in html
            and "Get help now if you have any of these" in html)


def test_signed_out_start_page_is_public_with_the_emergency_signs(mu):
    r = mu.get("/", follow_redirects=False)
    assert r.status_code == 200
    assert _has_emergency_card(r.text)
    # Start starts the check: no sign-in first (issue 14); nothing is saved signed out
    # (test_web_design_a.py::test_multi_user_check_is_open_before_sign_in_and_saved_after).
    assert 'action="/triage/start"' in r.text
    r = mu.post("/triage/start", data={"csrf_token": csrf(mu, "/")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/triage/next"


@pytest.mark.parametrize("path", ["/signin", "/signup", "/signin?next=/diary"])
def test_sign_in_and_sign_up_pages_show_the_emergency_signs(mu, path):
    r = mu.get(path)
    assert r.status_code == 200 and _has_emergency_card(r.text)
    # The sources the card cites are listed on the page (the links go somewhere).
    assert 'id="src-NHS-BACKPAIN"' in r.text


def test_emergency_signs_stay_on_a_sign_in_error_page_and_use_the_server_region(tmp_path):
    c = multi_client(tmp_path, region="US")
    r = c.post("/signin", data={"email": "x@example.com", "password": "wrong password",
                                "csrf_token": csrf(c, "/signin")})
    assert r.status_code == 422 and _has_emergency_card(r.text, "911")
    assert _has_emergency_card(c.get("/").text, "911")


def test_signed_in_start_page_starts_the_journey(mu):
    sign_up(mu, "ann@example.com")
    r = mu.get("/")
    assert _has_emergency_card(r.text) and 'action="/triage/start"' in r.text
