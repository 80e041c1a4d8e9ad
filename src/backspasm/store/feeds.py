"""Calendar feed tokens: one secret per profile that opens its live calendar feed.

Beside :class:`~backspasm.store.repository.Store`, over its transactions:
``FeedTokens(store)``. Only a SHA-256 of the token is stored, so a copy of the database
opens no feed; the token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select

from backspasm.store import rows
from backspasm.store.models import feed_tokens as table
from backspasm.store.transactions import Transactions

__all__ = ["FeedTokens"]

_PID = bindparam("pid")
_DELETE = delete(table).where(table.c.profile_id == _PID)
_CREATED = select(table.c.created_at).where(table.c.profile_id == _PID)
_PROFILE = select(table.c.profile_id).where(table.c.token_hash == bindparam("hash"))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class FeedTokens:
    """Make, revoke and look up feed tokens over an open store."""

    def __init__(self, store: Transactions) -> None:
        self.store = store

    def new_feed_token(self, profile_id: int) -> str:
        """A new secret feed token (256 random bits) for the profile; any old one stops working.

        Only its hash is stored, so the token is shown once, when it is made.
        """
        token = secrets.token_urlsafe(32)

        def go(conn: Connection) -> str:
            rows.profile(conn, profile_id)
            conn.execute(_DELETE, {"pid": profile_id})
            conn.execute(insert(table), {"profile_id": profile_id,
                                         "token_hash": _token_hash(token),
                                         "created_at": self.store.now()})
            return token

        return self.store.write(go)

    def revoke_feed_token(self, profile_id: int) -> bool:
        """Stop the profile's feed. True if there was one."""

        def go(conn: Connection) -> bool:
            rows.profile(conn, profile_id)
            return bool(rows.changed(conn.execute(_DELETE, {"pid": profile_id})))

        return self.store.write(go)

    def feed_token_created(self, profile_id: int) -> datetime | None:
        """When the profile's live feed token was made (None: no feed)."""
        with self.store.read() as conn:
            rows.profile(conn, profile_id)
            return conn.execute(_CREATED, {"pid": profile_id}).scalar()

    def profile_for_feed_token(self, token: str) -> int | None:
        """The profile a feed token belongs to, or None (unknown, revoked or malformed)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        with self.store.read() as conn:
            return conn.execute(_PROFILE, {"hash": _token_hash(token)}).scalar()
