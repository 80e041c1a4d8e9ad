"""Whether anything was committed to an SQLite diary since a value was read, for what a
long-lived server keeps between requests (the profile a page reads on every request).

SQLite's ``PRAGMA data_version`` on a connection changes whenever *another* connection
commits to the same database file: any connection of this process (the server's pool)
or of another one (``backspasm log pain`` in a terminal). :class:`ChangeWatch` keeps a
connection of its own that never writes, so every commit anywhere changes its number.
Asking costs 2 to 12 µs (SQLite opens a read transaction: a few file-lock system calls),
against about 45 µs for reading the profile again.

On the event loop a server names (:meth:`ChangeWatch.share_turns`) the number is asked at
most once per turn of the loop, and shared by the requests served in that turn (at 50
busy connections, several a turn); the next turn asks again. Every request still sees
every commit finished before it arrived: the number it is given was asked after the loop
read that request (see :meth:`ChangeWatch.version`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ChangeWatch", "KeptUntilChange"]

K = TypeVar("K")
V = TypeVar("V")


class ChangeWatch:
    """A connection to the SQLite file at ``path``, used only to ask its ``data_version``,
    which tells whether anything was committed since it was last asked."""

    def __init__(self, path: str) -> None:
        # Never used to write (a read-only open fails while the WAL files are missing).
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        #: The server's loop, whose turns share a number (:meth:`share_turns`), and the
        #: number asked in its current turn, until its next turn begins.
        self._serving: asyncio.AbstractEventLoop | None = None
        self._turn: int | None = None

    def share_turns(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Share the number among the callbacks of each turn of ``loop``, the loop a server
        answers requests on (``None``: ask every time again). Only a server's loop: code
        that merely runs while some loop is running (a notebook, a test driving a browser)
        may call on without the loop turning, and would then be given an old number."""
        self._turn = None
        self._serving = loop

    def version(self) -> int:
        """A number that differs from the last one whenever a commit happened between.

        Asked every time, except on the loop given to :meth:`share_turns`: there, once per
        turn. The first call of a turn asks and schedules :meth:`forget` with ``call_soon``,
        which the loop runs at the start of its next turn's callbacks, before any callback
        of a request it reads in that turn (asyncio's and uvloop's loops run the callbacks
        scheduled during a turn in the next one). So a request is only ever given a number
        asked after the loop read it: any commit finished before it arrived is seen."""
        loop = self._serving
        if loop is not None:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:  # a worker thread
                running = None
            if running is loop:
                number = self._turn
                if number is None:
                    number = self._turn = self._ask()
                    loop.call_soon(self.forget)
                return number
        return self._ask()

    def forget(self) -> None:
        """Ask again next time (a turn of the loop ended, or this process committed)."""
        self._turn = None

    def _ask(self) -> int:
        with self._lock:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class KeptUntilChange(Generic[K, V]):
    """Values read by ``read(key)``, kept until anything is committed to the database
    that ``watch`` watches (at most ``limit`` keys; then all are dropped). A value read
    while a commit happens is kept under the number seen *before* the read, so the next
    call, which sees a new number, reads again: never stale, at worst read twice."""

    def __init__(self, watch: ChangeWatch, read: Callable[[K], V] | None = None,
                 limit: int = 1024) -> None:
        self.watch = watch
        self._read = read
        self._limit = limit
        self._lock = threading.Lock()
        self._version: int | None = None
        self._kept: dict[K, V] = {}

    def get(self, key: K) -> V:
        """The value of ``key``, read (with the ``read`` given when this was made) unless
        it is kept."""
        assert self._read is not None, "made without read: use lookup and keep"
        seen, kept = self.lookup(key)
        if kept is not None:
            return kept[0]
        value = self._read(key)
        self.keep(seen, key, value)
        return value

    def lookup(self, key: K) -> tuple[int, tuple[V] | None]:
        """``(the number seen now, (the value kept for key,) or None)``: for a caller
        that reads the value elsewhere (another thread) and hands it to :meth:`keep`."""
        seen = self.watch.version()
        with self._lock:
            if seen != self._version:
                self._kept.clear()
                self._version = seen
            return seen, ((self._kept[key],) if key in self._kept else None)

    def keep(self, seen: int, key: K, value: V) -> None:
        """Keep ``value``, read after :meth:`lookup` returned ``seen``, unless a commit was
        seen since (then it may be stale: the next lookup reads again)."""
        with self._lock:
            if self._version == seen:
                if len(self._kept) >= self._limit:  # keys nobody wrote (e.g. made-up ids)
                    self._kept.clear()
                self._kept[key] = value
