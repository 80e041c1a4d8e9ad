"""The store's transactions: :class:`Transactions` is the base of
:class:`~backspasm.store.repository.Store` and the one way the store's modules
(accounts, feeds, journeys, export/import) reach the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Self, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from backspasm.store.engine import retry_busy, writing
from backspasm.store.errors import DatabaseError

if TYPE_CHECKING:
    from backspasm.store.watch import ChangeWatch

__all__ = ["Transactions"]

T = TypeVar("T")


class Transactions:
    """An engine, a clock, and read and write transactions over them."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self._clock = clock or (lambda: datetime.now(UTC))
        self._watch: ChangeWatch | None = None
        self._watch_lock = threading.Lock()

    def watch(self) -> ChangeWatch | None:
        """The one :class:`~backspasm.store.watch.ChangeWatch` of this store (made on first
        use), for what a server keeps until the diary changes; ``None`` where there is no
        SQLite file to watch (PostgreSQL, an in-memory database): read every time."""
        with self._watch_lock:
            if self._watch is None:
                path = self.engine.url.database
                if self.engine.dialect.name != "sqlite" or not path or path == ":memory:":
                    return None
                from backspasm.store.watch import ChangeWatch

                self._watch = ChangeWatch(path)
            return self._watch

    def close(self) -> None:
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
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
        finally:
            watch = self._watch
            if watch is not None:  # the number shared in this turn of the loop is old now
                watch.forget()
