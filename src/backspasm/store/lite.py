"""The diary commands' stdlib path: ``log pain``, ``status`` and ``diary`` on a SQLite diary
without importing SQLAlchemy (~200 ms of a 300 ms command, issue 12).

Only for a diary the store could open as it is: :func:`open_lite` gives ``None`` (and the
caller opens :func:`backspasm.store.open_store` instead, which creates, migrates or reports)
for any URL but ``sqlite:///FILE``, a file that does not exist yet or is not a database, a
schema not at :data:`backspasm.store.schema.HEAD_REVISION`, or any SQLite error while
opening (a locked or damaged file). It is the same diary, read and written the same way:

- the same tables and columns (those of ``store/models.py``, in the order of
  ``store/rows.py``: a test compares them), times and other values spelled as the store
  spells them (:mod:`backspasm.store.sqlite_text`);
- the same connection settings (``engine.configure_sqlite``), file checks and private file
  modes (``engine.not_a_database``, ``engine.make_private``);
- the same views, composed once in :mod:`backspasm.store.views` over these reads;
- ``log_pain`` checks as the store does (``checks.pain_values``), in one ``BEGIN IMMEDIATE``
  transaction, retried while busy (``engine.retry_busy``).

``tests/test_store_lite.py`` runs both paths on the same files and compares what they print
and store.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self, cast

from backspasm.core.times import is_id
from backspasm.store import records as r
from backspasm.store import views
from backspasm.store.checks import pain_values, utc
from backspasm.store.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    configure_sqlite,
    database_url,
    make_private,
    not_a_database,
    retry_busy,
)
from backspasm.store.errors import DatabaseError, NotFoundError
from backspasm.store.schema import HEAD_REVISION
from backspasm.store.sqlite_text import read_date, read_json, read_time, read_utc, utc_text

__all__ = [
    "LiteStore", "care_entries", "episodes", "latest_pain", "latest_triage", "open_lite",
    "pain_entries", "profile", "profile_by_key", "sqlite_file", "triage_records",
]

#: The columns read, by table, in the order of the records' fields (``store.rows``).
COLUMNS = {
    "profiles": ("id", "key", "tz", "wake", "sleep", "region", "age", "created_at",
                 "pseudonym", "name", "birth_date"),
    "episodes": ("id", "profile_id", "onset", "ended_at", "trigger"),
    "pain_entries": ("id", "profile_id", "at", "score", "note"),
    "care_entries": ("id", "profile_id", "kind", "start", "minutes", "medicine", "note"),
    "triage_records": ("id", "profile_id", "at", "answers", "level", "rules",
                       "knowledge_version", "unsure"),
}


def _q(name: str) -> str:
    return f'"{name}"'


def _select(table: str, where: str, order: str = "") -> str:
    cols = ", ".join(_q(c) for c in COLUMNS[table])
    return f"SELECT {cols} FROM {_q(table)} WHERE {where}{' ORDER BY ' + order if order else ''}"


def _range(table: str, time: str) -> dict[tuple[bool, bool], str]:
    """The four range reads by time (``[since, until)``, either end open), oldest first."""
    return {(lo, hi): _select(table, " AND ".join(
        ['"profile_id" = :pid', *([f"{_q(time)} >= :since"] if lo else []),
         *([f"{_q(time)} < :until"] if hi else [])]), f'{_q(time)}, "id"')
        for lo in (False, True) for hi in (False, True)}


_PROFILE = _select("profiles", '"id" = :pid')
_PROFILE_BY_KEY = _select("profiles", '"key" = :key')
_EPISODES = _select("episodes", '"profile_id" = :pid', '"onset", "id"')
_EPISODES_SINCE = _select("episodes", '"profile_id" = :pid AND "onset" >= :since',
                          '"onset", "id"')
_PAIN_RANGE = _range("pain_entries", "at")
_CARE_RANGE = _range("care_entries", "start")
_LATEST_PAIN = _select("pain_entries", '"profile_id" = :pid', '"at" DESC, "id" DESC LIMIT 1')
_LATEST_PAIN_BEFORE = _select("pain_entries", '"profile_id" = :pid AND "at" < :until',
                              '"at" DESC, "id" DESC LIMIT 1')
_TRIAGE_RECORDS = _select("triage_records", '"profile_id" = :pid', '"at", "id"')
_LATEST_TRIAGE = _select("triage_records", '"profile_id" = :pid',
                         '"at" DESC, "id" DESC LIMIT 1')
_INSERT_PAIN = ('INSERT INTO "pain_entries" ("profile_id", "at", "score", "note") '
                "VALUES (:pid, :at, :score, :note)")


# --- rows to records ----------------------------------------------------------------------

def _profile(row: Any) -> r.Profile:
    pid, key, tz, wake, sleep, region, age, created_at, pseudonym, name, birth_date = row
    return views.profile_of((pid, key, tz, read_time(wake), read_time(sleep), region, age,
                             read_utc(created_at), pseudonym, name, read_date(birth_date)))


def _episode(row: Any) -> r.Episode:
    eid, pid, onset, ended_at, trigger = row
    return r.Episode(eid, pid, read_utc(onset), read_utc(ended_at), trigger)


def _pain(row: Any) -> r.PainEntry:
    eid, pid, at, score, note = row
    return r.PainEntry(eid, pid, read_utc(at), score, note)


def _care(row: Any) -> r.CareEntry:
    eid, pid, kind, start, minutes, medicine, note = row
    return r.CareEntry(eid, pid, kind, read_utc(start), minutes, medicine, note)


def _triage(row: Any) -> r.TriageRecord:
    rid, pid, at, answers, level, rules, version, unsure = row
    return views.triage_of((rid, pid, read_utc(at), read_json(answers), level, read_json(rules),
                            version, read_json(unsure)))


# --- reads inside a transaction (``views.Reads``, as ``store.rows`` gives them) -----------

def profile(conn: sqlite3.Connection, profile_id: int) -> r.Profile:
    """The profile, or :class:`NotFoundError` naming ``profile``."""
    row = (conn.execute(_PROFILE, {"pid": profile_id}).fetchone()
           if is_id(profile_id) else None)
    if row is None:
        raise NotFoundError("profile", "an existing profile id", profile_id)
    return _profile(row)


def profile_by_key(conn: sqlite3.Connection, key: str) -> r.Profile | None:
    row = conn.execute(_PROFILE_BY_KEY, {"key": key}).fetchone()
    return None if row is None else _profile(row)


def episodes(conn: sqlite3.Connection, pid: int, since: datetime | None = None
             ) -> list[r.Episode]:
    """Episodes, oldest first; only those with onset at or after ``since`` if given."""
    if since is None:
        rows = conn.execute(_EPISODES, {"pid": pid})
    else:
        rows = conn.execute(_EPISODES_SINCE, {"pid": pid, "since": utc_text(utc("since", since))})
    return [_episode(row) for row in rows.fetchall()]


def _params(pid: int, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    params: dict[str, Any] = {"pid": pid}
    if since is not None:
        params["since"] = utc_text(utc("since", since))
    if until is not None:
        params["until"] = utc_text(utc("until", until))
    return params


def pain_entries(conn: sqlite3.Connection, pid: int, since: datetime | None,
                 until: datetime | None) -> list[r.PainEntry]:
    """Pain entries in ``[since, until)`` (``None``: open end), oldest first."""
    q = _PAIN_RANGE[since is not None, until is not None]
    return [_pain(row) for row in conn.execute(q, _params(pid, since, until)).fetchall()]


def care_entries(conn: sqlite3.Connection, pid: int, since: datetime | None,
                 until: datetime | None) -> list[r.CareEntry]:
    """Care entries starting in ``[since, until)`` (``None``: open end), oldest first."""
    q = _CARE_RANGE[since is not None, until is not None]
    return [_care(row) for row in conn.execute(q, _params(pid, since, until)).fetchall()]


def latest_pain(conn: sqlite3.Connection, pid: int,
                before: datetime | None = None) -> r.PainEntry | None:
    """The latest pain entry (with ``before``: the latest earlier than it)."""
    q = _LATEST_PAIN if before is None else _LATEST_PAIN_BEFORE
    row = conn.execute(q, _params(pid, None, before)).fetchone()
    return None if row is None else _pain(row)


def latest_triage(conn: sqlite3.Connection, pid: int) -> r.TriageRecord | None:
    row = conn.execute(_LATEST_TRIAGE, {"pid": pid}).fetchone()
    return None if row is None else _triage(row)


def triage_records(conn: sqlite3.Connection, pid: int) -> list[r.TriageRecord]:
    return [_triage(row) for row in conn.execute(_TRIAGE_RECORDS, {"pid": pid}).fetchall()]


# --- opening ------------------------------------------------------------------------------

def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///FILE`` URL; ``None`` for any other (PostgreSQL, memory, a
    driver name, options or escapes: the store reads those)."""
    prefix = "sqlite:///"
    name = url[len(prefix):] if url.startswith(prefix) else ""
    if not name or name == ":memory:" or any(ch in name for ch in "?#%"):
        return None
    return Path(name)


def open_lite(url: str | None = None, *,
              clock: Callable[[], datetime] | None = None) -> LiteStore | None:
    """The diary at ``url`` (as :func:`backspasm.store.open_store` reads it: default
    ``$BACKSPASM_DATABASE_URL``, then the data folder) on the stdlib path, or ``None`` when
    the store must open it instead (see the module's text). Nothing is written here but the
    file modes the store sets too."""
    path = sqlite_file(database_url(url))
    if path is None or not path.is_file() or not_a_database(path):
        return None
    make_private(path)
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        configure_sqlite(conn)
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        revision = None
    if conn is not None and revision == [(HEAD_REVISION,)]:
        return LiteStore(conn, clock=clock)
    if conn is not None:
        conn.close()
    return None


class LiteStore:
    """The few ``Store`` methods the diary commands use, on one ``sqlite3`` connection."""

    def __init__(self, conn: sqlite3.Connection,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.conn = conn
        self._clock = clock or (lambda: datetime.now(UTC))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> datetime:
        """The clock that rejects future times, in UTC (``Transactions.now``)."""
        return self._clock().astimezone(UTC)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection in one read transaction; a SQLite failure is :class:`DatabaseError`."""
        conn = self.conn
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise DatabaseError(f"the diary database failed: {exc}") from None

    def profile_by_key(self, key: str) -> r.Profile | None:
        with self.read() as conn:
            return profile_by_key(conn, key)

    def overview(self, profile_id: int, *, pain_since: datetime,
                 window: Callable[[list[r.Episode]], tuple[datetime, datetime]] | None = None,
                 now: datetime | None = None) -> r.Overview:
        """``Store.overview``: the same view (:func:`backspasm.store.views.overview`)."""
        with self.read() as conn:
            return views.overview(_READS, conn, profile_id, pain_since=pain_since,
                                  window=window, now=now)

    def episode_data(self, profile_id: int, episode_id: int | None, *,
                     reach: timedelta) -> r.EpisodeData:
        """``Store.episode_data``: the same view (:func:`backspasm.store.views.episode_data`)."""
        with self.read() as conn:
            return views.episode_data(_READS, conn, profile_id, episode_id, reach=reach)

    def diary(self, profile_id: int, *, since: datetime, until: datetime) -> r.Diary:
        """``Store.diary``: the same view (:func:`backspasm.store.views.diary`)."""
        with self.read() as conn:
            return views.diary(_READS, conn, profile_id, since=since, until=until)

    def log_pain(self, profile_id: int, *, score: int, at: datetime,
                 note: str | None = None) -> r.PainEntry:
        """``Store.log_pain``: the same checks, one write transaction, retried while busy."""
        score, at, note = pain_values(score, at, note, self.now())
        values = {"pid": profile_id, "at": utc_text(at), "score": score, "note": note}
        conn = self.conn

        def once() -> int:
            conn.execute("BEGIN IMMEDIATE")
            try:
                profile(conn, profile_id)
                new = conn.execute(_INSERT_PAIN, values).lastrowid
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:  # an error before COMMIT: nothing is written
                    conn.execute("ROLLBACK")
            if new is None:  # pragma: no cover - every table here has an integer key
                raise DatabaseError("the database gave the new row no id")
            return new

        try:
            new = retry_busy(once)
        except sqlite3.Error as exc:
            raise DatabaseError(f"the diary database failed: {exc}") from None
        return r.PainEntry(new, profile_id, at, score, note)


#: This module, as the reads of :mod:`backspasm.store.views` (``store.rows`` is the other).
_READS = cast("views.Reads", sys.modules[__name__])
