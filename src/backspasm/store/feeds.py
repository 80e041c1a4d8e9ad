"""Calendar feed tokens: one secret per profile that opens its live calendar feed.

Beside :class:`~backspasm.store.repository.Store`, over its transactions:
``FeedTokens(store)``. Only a SHA-256 of the token is stored, so a copy of the database
opens no feed; the token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backspasm.store import rows
from backspasm.store.models import FeedTokenRow
from backspasm.store.transactions import Transactions

__all__ = ["FeedTokens"]


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

        def go(s: Session) -> str:
            rows.profile_row(s, profile_id)
            s.execute(delete(FeedTokenRow).where(FeedTokenRow.profile_id == profile_id))
            s.add(FeedTokenRow(profile_id=profile_id, token_hash=_token_hash(token),
                               created_at=self.store.now()))
            return token

        return self.store.write(go)

    def revoke_feed_token(self, profile_id: int) -> bool:
        """Stop the profile's feed. True if there was one."""

        def go(s: Session) -> bool:
            rows.profile_row(s, profile_id)
            res = s.execute(delete(FeedTokenRow).where(FeedTokenRow.profile_id == profile_id))
            return bool(rows.changed(res))

        return self.store.write(go)

    def feed_token_created(self, profile_id: int) -> datetime | None:
        """When the profile's live feed token was made (None: no feed)."""
        with self.store.read() as s:
            rows.profile_row(s, profile_id)
            q = select(FeedTokenRow.created_at).where(FeedTokenRow.profile_id == profile_id)
            return s.scalar(q)

    def profile_for_feed_token(self, token: str) -> int | None:
        """The profile a feed token belongs to, or None (unknown, revoked or malformed)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        with self.store.read() as s:
            q = select(FeedTokenRow.profile_id).where(
                FeedTokenRow.token_hash == _token_hash(token))
            return s.scalar(q)
