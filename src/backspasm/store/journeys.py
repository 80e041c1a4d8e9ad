"""Unfinished triage journeys of the web app (table ``web_journeys``), between pages.

The web keeps a journey as JSON text under a random cookie id; rows are keyed by a
SHA-256 of that id, so a database dump gives no live cookie values, and scoped by the
profile (a journey of another profile is simply not found). Beside
:class:`~backspasm.store.repository.Store`, over its transactions: ``Journeys(store)``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from backspasm.store import rows
from backspasm.store.models import web_journeys as table
from backspasm.store.transactions import Transactions

__all__ = ["Journeys", "delete_profile_journeys"]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _naive_utc(at: datetime) -> datetime:
    # The column holds UTC without an offset (DateTime(timezone=False)).
    return at.astimezone(UTC).replace(tzinfo=None)


class Journeys:
    """Load, save and delete journeys; a journey not saved for ``keep`` is gone."""

    def __init__(self, store: Transactions, keep: timedelta) -> None:
        self.store = store
        self.keep = keep

    def load(self, key: str, profile: str, now: datetime) -> str | None:
        """The journey's text, or None (unknown key, another profile's, or expired)."""
        with self.store.read() as conn:
            row = conn.execute(
                select(table.c.data, table.c.updated_at).where(
                    table.c.key_hash == _hash(key), table.c.profile == profile)
            ).first()
        if row is None or row.updated_at.replace(tzinfo=UTC) < now - self.keep:
            return None
        return row.data

    def save(self, key: str, profile: str, data: str, now: datetime) -> None:
        """Keep ``data`` for the key, and delete every journey that has expired."""
        stamp = _naive_utc(now)

        def go(conn: Connection) -> None:
            done = conn.execute(
                update(table).where(table.c.key_hash == _hash(key), table.c.profile == profile)
                .values(data=data, updated_at=stamp)
            )
            if rows.changed(done) == 0:
                conn.execute(insert(table).values(key_hash=_hash(key), profile=profile, data=data,
                                               updated_at=stamp))
            conn.execute(delete(table).where(table.c.updated_at < stamp - self.keep))

        self.store.write(go)

    def delete(self, key: str, profile: str) -> None:
        def go(conn: Connection) -> None:
            conn.execute(delete(table).where(table.c.key_hash == _hash(key),
                                          table.c.profile == profile))

        self.store.write(go)


def delete_profile_journeys(conn: Connection, profile_id: int) -> int:
    """Delete every journey of the profile (in the caller's transaction); how many."""
    # The web keys journeys by the profile id's text.
    res = conn.execute(delete(table).where(table.c.profile == str(profile_id)))
    return rows.changed(res)
