"""The store's transactions: :class:`Transactions` is the base of
:class:`~backspasm.store.repository.Store` and the one way the store's modules
(accounts, feeds, journeys, export/import) reach the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from backspasm.store.engine import retry_busy, writing
from backspasm.store.errors import DatabaseError

__all__ = ["Transactions"]

T = TypeVar("T")


class Transactions:
    """An engine, a clock, and read and write transactions over them."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self._clock = clock or (lambda: datetime.now(UTC))
        #: The profiles ``Store.kept_profile`` keeps (made on first use).
        self._kept_profiles: Any = None

    def close(self) -> None:
        if self._kept_profiles is not None:
            self._kept_profiles.watch.close()
            self._kept_profiles = None
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> datetime:
        """The store's clock, in UTC (tests replace it through ``open_store(clock=...)``)."""
        return self._clock().astimezone(UTC)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in one read transaction (a consistent view of the diary)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(connection)`` in one write transaction and return its result: all of it
        is written, or (on any error) none of it.

        While SQLite is busy, ``fn`` runs again from the start in a new transaction
        (:func:`backspasm.store.engine.retry_busy`), so it must only touch the connection;
        a database failure that is not the input's fault is :class:`DatabaseError`.
        """

        def once() -> T:
            with writing(), self.engine.connect() as conn, conn.begin():
                return fn(conn)

        try:
            return retry_busy(once)
        except OperationalError as exc:
            raise DatabaseError(f"the diary database failed: {exc.orig}") from None
