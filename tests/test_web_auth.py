"""Accounts, sessions, CSRF and sign-in rate limiting (multi-user mode)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backspasm.store import ConflictError, StoreError
from backspasm.store.accounts import Accounts, normalise_email

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
