"""Triage journeys kept on the server, keyed by an opaque random cookie id.

The browser holds only a random id (HttpOnly cookie); the answers stay in the database,
never in URLs. Rows are keyed by a hash of the id, so a database dump does not give
live cookie values. Processes keep no state, so several workers can share the table.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from backspasm.store.models import web_journeys as journeys

COOKIE = "bs_journey"


@dataclass
class Journey:
    """The state of one pass through the triage questions."""

    answers: dict[str, Any] = field(default_factory=dict)
    unsure: list[str] = field(default_factory=list)
    #: Fields in the order they were answered (drives the back link).
    history: list[str] = field(default_factory=list)
    #: The last result shown (the triage result dict), once the answers were checked.
    result: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps({"answers": self.answers, "unsure": self.unsure,
                           "history": self.history, "result": self.result})

    @classmethod
    def from_json(cls, text: str) -> Journey:
        raw = json.loads(text)
        return cls(answers=dict(raw.get("answers", {})), unsure=list(raw.get("unsure", [])),
                   history=list(raw.get("history", [])), result=raw.get("result"))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class JourneyStore:
    """Load and save journeys. ``profile`` scopes every row (a journey of another profile
    is simply not found)."""

    def __init__(self, engine: Engine, keep_hours: int = 24) -> None:
        from backspasm.store.engine import WRITE_OPTION

        self.engine = engine
        # On SQLite the store opens write transactions with BEGIN IMMEDIATE (no deadlock
        # on a lock upgrade); ours do the same.
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self.keep = timedelta(hours=keep_hours)

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)

    def load(self, key: str | None, profile: str, now: datetime) -> Journey | None:
        if not key:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(journeys.c.data, journeys.c.updated_at).where(
                    journeys.c.key_hash == _hash(key), journeys.c.profile == profile)
            ).first()
        if row is None or row.updated_at.replace(tzinfo=UTC) < now - self.keep:
            return None
        return Journey.from_json(row.data)

    def save(self, key: str, profile: str, journey: Journey, now: datetime) -> None:
        stamp = now.astimezone(UTC).replace(tzinfo=None)
        with self._writer.begin() as conn:
            done = conn.execute(
                update(journeys).where(journeys.c.key_hash == _hash(key),
                                       journeys.c.profile == profile)
                .values(data=journey.to_json(), updated_at=stamp)
            )
            if done.rowcount == 0:
                conn.execute(insert(journeys).values(key_hash=_hash(key), profile=profile,
                                                     data=journey.to_json(), updated_at=stamp))
            conn.execute(delete(journeys).where(
                journeys.c.updated_at < stamp - self.keep))

    def forget(self, key: str | None, profile: str) -> None:
        if key:
            with self._writer.begin() as conn:
                conn.execute(delete(journeys).where(journeys.c.key_hash == _hash(key),
                                                    journeys.c.profile == profile))
