"""A busy SQLite is recognised by its error code and waited out within one total deadline."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from backspasm.store.engine import is_busy, retry_busy


@pytest.fixture
def locked(tmp_path):
    """A SQLite file whose write lock another connection holds (``BEGIN IMMEDIATE``)."""
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    # timeout=0: the waiter's own busy handler gives up at once, so only retry_busy waits
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    yield holder, engine
    if holder.in_transaction:
        holder.rollback()
    holder.close()
    engine.dispose()


def _insert(engine) -> int:
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO t VALUES (1)")
        return c.exec_driver_sql("SELECT count(*) FROM t").scalar_one()


def test_a_held_lock_is_busy_by_its_error_code(locked):
    _, engine = locked
    with pytest.raises(OperationalError) as caught:
        _insert(engine)
    assert caught.value.orig.sqlite_errorcode == sqlite3.SQLITE_BUSY
    assert is_busy(caught.value)


def test_the_message_text_alone_is_not_busy():
    assert not is_busy(sqlite3.OperationalError("database is locked"))  # no error code
    assert not is_busy(ValueError("database is busy"))


def test_other_sqlite_errors_are_not_busy_and_are_not_retried(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    calls = []

    def missing_table() -> None:
        calls.append(1)
        with engine.begin() as c:
            c.exec_driver_sql("SELECT * FROM no_such_table")

    with pytest.raises(OperationalError) as caught:
        retry_busy(missing_table)
    assert not is_busy(caught.value) and len(calls) == 1
    engine.dispose()


def test_retry_waits_until_the_lock_is_released(locked):
    holder, engine = locked
    tries = []

    def write() -> int:
        tries.append(1)
        if len(tries) == 3:  # the other writer finishes while we are waiting
            threading.Thread(target=holder.commit).start()
        return _insert(engine)

    assert retry_busy(write, deadline_s=60) == 1
    assert len(tries) >= 3


def test_a_lock_held_past_the_deadline_surfaces_the_busy_error(locked):
    _, engine = locked
    with pytest.raises(OperationalError) as caught:
        retry_busy(lambda: _insert(engine), deadline_s=0.2)
    assert is_busy(caught.value)


def _write_lock_free(path) -> bool:
    """Can another connection take the write lock of ``path`` now?"""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_a_write_takes_the_lock_at_begin_and_a_read_takes_none(tmp_path):
    """The store's BEGIN (sent by the dialect, engine.py): IMMEDIATE for a write, before its
    first statement, so two writers never deadlock on a lock upgrade; deferred for a read."""
    from backspasm.store import open_store

    path = tmp_path / "diary.db"
    seen: list[bool] = []
    with open_store(f"sqlite:///{path}", pooled=True) as store:
        store.write(lambda conn: seen.append(_write_lock_free(path)))
        with store.read() as conn:
            conn.exec_driver_sql("SELECT 1").scalar_one()
            seen.append(_write_lock_free(path))
        assert not store.engine._has_events  # no connection events: none looked up per statement
    assert seen == [False, True]


def test_a_busy_write_begin_is_refused_like_any_busy_statement(tmp_path):
    """A BEGIN IMMEDIATE refused while another writer holds the lock is SQLAlchemy's
    OperationalError with SQLite's busy code, which ``Transactions.write`` retries."""
    from backspasm.store import open_store
    from backspasm.store.engine import writing

    path = tmp_path / "diary.db"
    with open_store(f"sqlite:///{path}", pooled=True) as store:
        with store.engine.connect() as conn:  # the pooled connection: give up at once
            conn.connection.driver_connection.execute("PRAGMA busy_timeout = 0")
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(OperationalError) as caught, writing(), \
                    store.engine.connect() as conn, conn.begin():
                pass
            assert is_busy(caught.value)
            with store.read() as conn:  # a read still begins (deferred: no lock)
                assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
        finally:
            holder.rollback()
            holder.close()
