"""Accounts, web sessions and sign-in failures for the multi-user web app.

Beside :class:`~backspasm.store.repository.Store`, over its transactions
(:meth:`~backspasm.store.transactions.Transactions.read` and ``write``): ``Accounts(store)``.
Passwords arrive already hashed (the web layer uses argon2id); the store keeps session ids
and rate-limit keys only as SHA-256 hashes, so a copy of the database gives no live cookie.
Every write is one transaction; errors name the field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from backspasm.store import rows
from backspasm.store.checks import profile_values
from backspasm.store.errors import ConflictError, NotFoundError, StoreError
from backspasm.store.models import accounts as accounts_t
from backspasm.store.models import new_pseudonym, profiles
from backspasm.store.models import signin_failures as failures_t
from backspasm.store.models import web_sessions as sessions_t
from backspasm.store.transactions import Transactions

__all__ = ["Account", "Accounts", "SessionInfo", "normalise_email"]

#: Failed sign-ins older than this are pruned whenever a new one is recorded.
FAILURE_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    password_hash: str
    profile_id: int
    created_at: datetime


@dataclass(frozen=True)
class SessionInfo:
    """A live web session: whose it is and the CSRF token tied to it."""

    account_id: int
    profile_id: int
    email: str
    csrf_token: str
    expires_at: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_email(value: Any) -> str:
    """Trimmed, lower-case e-mail address; raises :class:`StoreError` naming ``email``."""
    if not isinstance(value, str):
        raise StoreError("email", "an e-mail address such as name@example.com")
    email = value.strip().lower()
    local, _, domain = email.partition("@")
    if (not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email)
            or domain.startswith(".") or domain.endswith(".")):
        raise StoreError("email", "an e-mail address such as name@example.com")
    return email


_ACCOUNT_COLS = (accounts_t.c.id, accounts_t.c.email, accounts_t.c.password_hash,
                 accounts_t.c.profile_id, accounts_t.c.created_at)
_ACCOUNT_BY_EMAIL = select(*_ACCOUNT_COLS).where(accounts_t.c.email == bindparam("email"))
_ACCOUNT_EXISTS = select(accounts_t.c.id).where(accounts_t.c.id == bindparam("id"))
_SESSION = (select(sessions_t.c.account_id, accounts_t.c.profile_id, accounts_t.c.email,
                   sessions_t.c.csrf_token, sessions_t.c.expires_at)
            .join(accounts_t, accounts_t.c.id == sessions_t.c.account_id)
            .where(sessions_t.c.token_hash == bindparam("token"),
                   sessions_t.c.expires_at > bindparam("now")))
_PRUNE_SESSIONS = delete(sessions_t).where(sessions_t.c.expires_at <= bindparam("now"))
_END_SESSION = delete(sessions_t).where(sessions_t.c.token_hash == bindparam("token"))
_PRUNE_FAILURES = delete(failures_t).where(failures_t.c.at < bindparam("before"))
_CLEAR_FAILURES = delete(failures_t).where(failures_t.c.key_hash == bindparam("key"))
_FAILURES = (failures_t.c.key_hash == bindparam("key"), failures_t.c.at >= bindparam("since"))
_COUNT_FAILURES = select(func.count()).select_from(failures_t).where(*_FAILURES)
_FAILURE_TIMES = select(failures_t.c.at).where(*_FAILURES).order_by(failures_t.c.at)


def _aware(field: str, value: Any) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise StoreError(field, "a date and time with a time zone offset")
    return value.astimezone(UTC)


class Accounts:
    """Account, session and rate-limit methods over an open store (its ``read`` and
    ``write`` transactions)."""

    def __init__(self, store: Transactions) -> None:
        self.store = store

    # -- accounts ------------------------------------------------------------------------

    def create_account(self, email: str, password_hash: str, *, tz: str = "UTC",
                       wake: time = time(7), sleep: time = time(22),
                       region: str | None = None) -> Account:
        """A new account with a new, empty profile, in one transaction.

        Raises :class:`ConflictError` (field ``email``) if the address is taken."""
        email = normalise_email(email)
        if not isinstance(password_hash, str) or not 20 <= len(password_hash) <= 255:
            raise StoreError("password_hash", "a password hash")
        values = profile_values(tz=tz, wake=wake, sleep=sleep, region=region)
        taken = ConflictError("email", "an e-mail address that has no account yet")

        def go(conn: Connection) -> Account:
            if conn.execute(_ACCOUNT_BY_EMAIL, {"email": email}).first():
                raise taken
            profile = {"key": None, "created_at": self.store.now(),
                       "pseudonym": new_pseudonym(), **values}
            profile_id = rows.insert_one(conn, insert(profiles), profile)
            created = self.store.now()
            try:
                new = rows.insert_one(conn, insert(accounts_t), {
                    "email": email, "password_hash": password_hash, "profile_id": profile_id,
                    "created_at": created})
            except IntegrityError:  # a concurrent sign-up with the same address
                raise taken from None
            return Account(new, email, password_hash, profile_id, created)

        return self.store.write(go)

    def account_by_email(self, email: str) -> Account | None:
        try:
            email = normalise_email(email)
        except StoreError:
            return None
        with self.store.read() as conn:
            row = conn.execute(_ACCOUNT_BY_EMAIL, {"email": email}).first()
            return None if row is None else Account(*row)

    # -- sessions ------------------------------------------------------------------------

    def new_session(self, account_id: int, *, token: str, csrf_token: str,
                    expires_at: datetime) -> None:
        """Record a session for the random cookie value ``token`` (kept as a hash)."""
        expires = _aware("expires_at", expires_at)

        def go(conn: Connection) -> None:
            if conn.execute(_ACCOUNT_EXISTS, {"id": account_id}).first() is None:
                raise NotFoundError("account", "an existing account id", account_id)
            # Expired sessions of anyone are pruned here, so they never pile up.
            conn.execute(_PRUNE_SESSIONS, {"now": self.store.now()})
            conn.execute(insert(sessions_t), {
                "token_hash": _hash(token), "account_id": account_id,
                "csrf_token": csrf_token, "created_at": self.store.now(),
                "expires_at": expires})

        self.store.write(go)

    def session(self, token: str | None, *, now: datetime) -> SessionInfo | None:
        """The live session for a cookie value, or None (unknown, ended or expired)."""
        if not token or not 20 <= len(token) <= 100:
            return None
        now = _aware("now", now)
        with self.store.read() as conn:
            row = conn.execute(_SESSION, {"token": _hash(token), "now": now}).first()
        return None if row is None else SessionInfo(*row)

    def end_session(self, token: str | None) -> None:
        if not token:
            return

        def go(conn: Connection) -> None:
            conn.execute(_END_SESSION, {"token": _hash(token)})

        self.store.write(go)

    # -- sign-in rate limiting -----------------------------------------------------------

    def record_signin_failure(self, key: str, *, at: datetime) -> None:
        """Count one failed sign-in for ``key`` (e.g. address + IP; kept as a hash)."""
        at = _aware("at", at)

        def go(conn: Connection) -> None:
            conn.execute(insert(failures_t), {"key_hash": _hash(key), "at": at})
            conn.execute(_PRUNE_FAILURES, {"before": at - FAILURE_KEEP})

        self.store.write(go)

    def signin_failures(self, key: str, *, since: datetime) -> int:
        """How many failed sign-ins ``key`` had at or after ``since``."""
        params = {"key": _hash(key), "since": _aware("since", since)}
        with self.store.read() as conn:
            return conn.execute(_COUNT_FAILURES, params).scalar() or 0

    def signin_failure_times(self, key: str, *, since: datetime) -> list[datetime]:
        """When ``key`` failed at or after ``since``, oldest first (UTC)."""
        params = {"key": _hash(key), "since": _aware("since", since)}
        with self.store.read() as conn:
            times = list(conn.execute(_FAILURE_TIMES, params).scalars())
        return [t if t.tzinfo else t.replace(tzinfo=UTC) for t in times]

    def clear_signin_failures(self, key: str) -> None:
        def go(conn: Connection) -> None:
            conn.execute(_CLEAR_FAILURES, {"key": _hash(key)})

        self.store.write(go)
