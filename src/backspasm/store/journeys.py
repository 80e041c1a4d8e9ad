"""Unfinished triage journeys of the web app (table ``web_journeys``), between pages.

The web keeps a journey as JSON text under a random cookie id; rows are keyed by a
SHA-256 of that id, so a database dump gives no live cookie values, and scoped by the
profile (a journey of another profile is simply not found). Beside
:class:`~backspasm.store.repository.Store`, over its transactions: ``Journeys(store)``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from backspasm.store import rows
from backspasm.store.models import web_journeys as table
from backspasm.store.transactions import Transactions
from backspasm.store.watch import KeptUntilChange

__all__ = ["Journeys", "delete_profile_journeys"]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _naive_utc(at: datetime) -> datetime:
    # The column holds UTC without an offset (DateTime(timezone=False)).
    return at.astimezone(UTC).replace(tzinfo=None)


_THIS = (table.c.key_hash == bindparam("this_key"), table.c.profile == bindparam("owner"))
_LOAD = select(table.c.data, table.c.updated_at).where(*_THIS)
_UPDATE = update(table).where(*_THIS).values(data=bindparam("new_data"),
                                             updated_at=bindparam("stamp"))
_INSERT = insert(table)
_EXPIRE = delete(table).where(table.c.updated_at < bindparam("before"))
_DELETE = delete(table).where(*_THIS)
_DELETE_OWNED = delete(table).where(table.c.profile == bindparam("owner"))


class Journeys:
    """Load, save and delete journeys; a journey not saved for ``keep`` is gone."""

    def __init__(self, store: Transactions, keep: timedelta) -> None:
        self.store = store
        self.keep = keep
        watch = store.watch()
        # Rows kept until anything is committed (a question page reads its journey on every
        # visit; every change to a journey is a commit).
        self._kept = None if watch is None else KeptUntilChange(watch, self._read)

    def _read(self, this: tuple[str, str]) -> tuple[str, datetime] | None:
        with self.store.read() as conn:
            row = conn.execute(_LOAD, {"this_key": this[0], "owner": this[1]}).first()
        return None if row is None else (row.data, row.updated_at.replace(tzinfo=UTC))

    def load(self, key: str, profile: str, now: datetime) -> str | None:
        """The journey's text, or None (unknown key, another profile's, or expired)."""
        this = (_hash(key), profile)
        row = self._read(this) if self._kept is None else self._kept.get(this)
        if row is None or row[1] < now - self.keep:
            return None
        return row[0]

    def save(self, key: str, profile: str, data: str, now: datetime) -> None:
        """Keep ``data`` for the key, and delete every journey that has expired."""
        stamp = _naive_utc(now)
        this = {"this_key": _hash(key), "owner": profile}

        def go(conn: Connection) -> None:
            done = conn.execute(_UPDATE, {**this, "new_data": data, "stamp": stamp})
            if rows.changed(done) == 0:
                conn.execute(_INSERT, {"key_hash": this["this_key"], "profile": profile,
                                       "data": data, "updated_at": stamp})
            conn.execute(_EXPIRE, {"before": stamp - self.keep})

        self.store.write(go)

    def delete(self, key: str, profile: str) -> None:
        def go(conn: Connection) -> None:
            conn.execute(_DELETE, {"this_key": _hash(key), "owner": profile})

        self.store.write(go)


def delete_profile_journeys(conn: Connection, profile_id: int) -> int:
    """Delete every journey of the profile (in the caller's transaction); how many."""
    # The web keys journeys by the profile id's text.
    return rows.changed(conn.execute(_DELETE_OWNED, {"owner": str(profile_id)}))
