"""Triage journeys kept on the server, keyed by an opaque random cookie id.

The browser holds only a random id (HttpOnly cookie); the answers stay in the database
(:class:`backspasm.store.journeys.Journeys`, which keys rows by a hash of the id), never
in URLs. Processes keep no state, so several workers can share the table.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from backspasm.store.journeys import Journeys
from backspasm.store.transactions import Transactions

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


class JourneyStore:
    """Load and save journeys. ``profile`` scopes every row (a journey of another profile
    is simply not found)."""

    def __init__(self, store: Transactions, keep_hours: int = 24) -> None:
        self._rows = Journeys(store, timedelta(hours=keep_hours))
        self.keep = self._rows.keep

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)

    def load(self, key: str | None, profile: str, now: datetime) -> Journey | None:
        if not key:
            return None
        data = self._rows.load(key, profile, now)
        return None if data is None else Journey.from_json(data)

    def save(self, key: str, profile: str, journey: Journey, now: datetime) -> None:
        self._rows.save(key, profile, journey.to_json(), now)

    def forget(self, key: str | None, profile: str) -> None:
        if key:
            self._rows.delete(key, profile)
