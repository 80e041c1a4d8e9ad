"""Which database, and how to connect to it safely.

SQLite (the embedded default): WAL, foreign keys on, a busy timeout, full sync, and every
write transaction opened with ``BEGIN IMMEDIATE`` so two writers never deadlock on a lock
upgrade; a busy database is waited for and retried, never shown to the user.
PostgreSQL (``postgresql+psycopg://…``) for deployments with many users and processes.

SQLAlchemy is imported inside :func:`make_engine`, not with this module: the stdlib path of
the diary commands (:mod:`backspasm.store.lite`) shares the URL, the file checks, the
pragmas and :func:`retry_busy` without loading it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from backspasm.store.errors import NotADatabaseError

if TYPE_CHECKING:
    from sqlalchemy import Engine

ENV_URL = "BACKSPASM_DATABASE_URL"
#: Milliseconds SQLite waits on a locked database before reporting it busy.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Seconds to wait for a PostgreSQL server to accept a connection.
PG_CONNECT_TIMEOUT_S = 10
#: True while a write transaction is being opened (:func:`writing`; SQLite: ``BEGIN
#: IMMEDIATE``). A context variable, so each thread and each task has its own.
_WRITING: ContextVar[bool] = ContextVar("backspasm_writing", default=False)
#: Seconds, in total, that a write (or opening the diary) keeps retrying a busy SQLite.
BUSY_DEADLINE_S = 30.0
#: The embedded database's file name, in the user's data directory.
DEFAULT_FILE = "backspasm.db"
#: Run on every new SQLite connection, by the engine and by the stdlib path alike.
SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    # FULL: an acknowledged diary entry survives a crash of the machine, not just the process.
    "PRAGMA synchronous = FULL",
)

T = TypeVar("T")


def is_busy(exc: BaseException) -> bool:
    """Is ``exc`` SQLite's "busy" or "locked" (another connection holds the lock)?

    Read from the error code (extended codes such as ``SQLITE_BUSY_SNAPSHOT`` included), not
    the message. Errors from other databases have no SQLite code and are never "busy".
    """
    import sqlite3

    code = getattr(getattr(exc, "orig", exc), "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block will write: SQLite opens them with ``BEGIN
    IMMEDIATE`` (the write lock at once, so two writers never deadlock on an upgrade)."""
    token = _WRITING.set(True)
    try:
        yield
    finally:
        _WRITING.reset(token)


def retry_busy(fn: Callable[[], T], *, deadline_s: float = BUSY_DEADLINE_S) -> T:
    """``fn()``, called again while it fails because SQLite is busy, for ``deadline_s`` in all.

    Waits between tries grow from 10 ms to at most 0.5 s, with jitter so that waiting
    writers do not retry in step. Any other error, or a busy one after the deadline,
    propagates unchanged. Busy is read from the error code (:func:`is_busy`), so SQLAlchemy's
    errors and the ``sqlite3`` module's own (:mod:`backspasm.store.lite`) are retried alike.
    """
    import random
    import time

    give_up = time.monotonic() + deadline_s
    wait = 0.01
    while True:
        try:
            return fn()
        except Exception as exc:
            left = give_up - time.monotonic()
            if not is_busy(exc) or left <= 0:
                raise
            time.sleep(min(left, wait * random.uniform(0.5, 1.5)))
            wait = min(0.5, wait * 2)


def default_sqlite_path() -> Path:
    """The embedded database in the user's data directory (created when first opened)."""
    from platformdirs import user_data_path

    return user_data_path("backspasm", appauthor=False) / DEFAULT_FILE


def database_url(url: str | None = None) -> str:
    """``url`` if given, else ``$BACKSPASM_DATABASE_URL``, else SQLite in the data directory."""
    chosen = url or os.environ.get(ENV_URL)
    if chosen:
        if "://" not in chosen:  # a plain file path means SQLite
            chosen = f"sqlite:///{Path(chosen).expanduser().resolve()}"
        return chosen
    return f"sqlite:///{default_sqlite_path()}"


def make_engine(url: str, *, pooled: bool = False) -> Engine:
    """An engine with the connection settings the store relies on.

    SQLite connections are pooled only for long-lived processes (the web app, ``pooled``):
    a CLI process opens one connection, and with NullPool no pooled handle lingers after a
    fork or a kill. Opening a connection runs the pragmas below, which costs milliseconds
    per request when a server does it for every store call.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            if not_a_database(path):  # before touching anything, not even its mode
                raise NotADatabaseError(
                    f"{path} is not a backspasm diary (an SQLite database); nothing was "
                    "changed")
            make_private(path)
        pool: dict[str, Any] = {} if pooled else {"poolclass": NullPool}
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **pool
        )
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # A server that does not answer must not hold up what a person needs to see
        # (the CLI reads the region before the card, H26/H27): give up after 10 seconds.
        return create_engine(parsed, pool_pre_ping=True,
                             connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S})
    # Any other database (mysql://, a typo): said plainly, not as a missing driver.
    raise NotADatabaseError(
        f"{parsed.render_as_string(hide_password=True)}: expected a file path, "
        "sqlite:///FILE or postgresql://… (the diary is kept in SQLite or PostgreSQL)")


#: The first bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def not_a_database(path: Path) -> bool:
    """True when ``path`` exists but is no SQLite database (a folder, or other content)."""
    if not path.exists():
        return False
    if not path.is_file():
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError:
        return False  # unreadable: SQLite reports it
    return head not in (b"", SQLITE_HEADER)


def make_private(path: Path) -> None:
    """Make the SQLite file ``path`` readable by its owner only (health data).

    Folders created for it are 0700 (and the default data folder is made so if it exists);
    the file is created 0600 before SQLite opens it, and an existing file and its ``-wal``
    and ``-shm`` are set to 0600 (SQLite gives those the database file's mode). Someone
    else's folder that merely holds a ``--db`` file is left alone.
    """
    folder = path.parent
    old = os.umask(0o077)
    try:
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
        elif path.name == DEFAULT_FILE and path == default_sqlite_path():
            _chmod(folder, 0o700)
        if not path.exists():
            try:
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError:
                pass  # SQLite reports it, naming the file
    finally:
        os.umask(old)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        _chmod(name, 0o600)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.exists() and (path.stat().st_mode & 0o777) != mode:
            path.chmod(mode)
    except OSError:
        pass  # not ours to change (another owner, a read-only folder)


def configure_sqlite(dbapi_conn: Any) -> None:
    """Set up a new ``sqlite3`` connection as the store relies on: transaction control
    taken from the ``sqlite3`` module (so ``BEGIN`` is ours), then :data:`SQLITE_PRAGMAS`."""
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cur.execute(pragma)
    cur.close()


def _configure_sqlite(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        configure_sqlite(dbapi_conn)

    # BEGIN is sent by the dialect itself rather than by a "begin" event listener: any
    # connection event makes SQLAlchemy look up its listeners around every statement
    # (about a quarter of a one-row read's cost). An error here is wrapped as any
    # statement's (a busy BEGIN IMMEDIATE: OperationalError, retried by retry_busy).
    def do_begin(dbapi_conn: Any) -> None:
        dbapi_conn.execute("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN").close()

    engine.dialect.do_begin = do_begin  # type: ignore[method-assign]
