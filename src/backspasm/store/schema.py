"""The diary schema's version, and bringing a database up to it with Alembic.

The revisions live in the script directory ``backspasm/store/alembic/`` (found through the
package, no ``alembic.ini``). Opening a diary calls :func:`migrate`: when the database is
already at :data:`HEAD_REVISION` one query says so and Alembic is not even imported (it
costs a command tens of milliseconds). Otherwise, in one write transaction that also
serialises concurrent openers (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level
advisory lock), a diary made by the earlier hand-written runner is stamped at its last step
and its ``schema_migrations`` table dropped, then every pending revision runs. Everything
commits together or not at all.

SQLAlchemy is imported by the functions, not with this module: the stdlib path of the diary
commands (:mod:`backspasm.store.lite`) reads :data:`HEAD_REVISION` from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backspasm.store.engine import writing
from backspasm.store.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

#: The newest revision in ``store/alembic/versions`` (a test checks it is Alembic's head).
HEAD_REVISION = "0007_profile_name_birth_date"
#: Where Alembic finds the revisions: the ``alembic`` folder of this package.
SCRIPT_LOCATION = "backspasm.store:alembic"
#: Arbitrary constant: the advisory lock id that serialises migrations on PostgreSQL.
_PG_LOCK_KEY = 0x6261636B  # "back"
#: The steps of the hand-written runner, in order, as it recorded them in
#: ``schema_migrations``. Each became the Alembic revision of the same id.
OLD_RUNNER_STEPS = (
    "0001_initial",
    "0002_feed_tokens",
    "0003_accounts",
    "0004_web_journeys",
    "0005_triage_unsure",
    "0006_profile_pseudonyms",
)


def _text(sql: str) -> Any:
    """``sqlalchemy.text(sql)``, imported when first used."""
    from sqlalchemy import text as sql_text

    return sql_text(sql)


def _has_table(conn: Connection, name: str) -> bool:
    if conn.dialect.name == "sqlite":
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"
        return conn.execute(_text(sql), {"n": name}).first() is not None
    if conn.dialect.name == "postgresql":  # the table as the search path finds it
        found = conn.execute(_text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name})
        return bool(found.scalar())
    from sqlalchemy import inspect

    return inspect(conn).has_table(name)


def _revision(conn: Connection) -> str | None:
    if not _has_table(conn, "alembic_version"):
        return None
    return conn.execute(_text("SELECT version_num FROM alembic_version")).scalar()


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (``None``: not created by Alembic yet)."""
    with engine.connect() as conn:
        return _revision(conn)


def alembic_config(conn: Connection, script_location: str = SCRIPT_LOCATION) -> Config:
    """Alembic's configuration for the diary schema, running on ``conn`` (its transaction)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", script_location)
    # A revision's file is named by its id alone ("0007_what_it_does.py").
    config.set_main_option("file_template", "%%(rev)s")
    config.attributes["connection"] = conn
    return config


def migrate(engine: Engine) -> list[str]:
    """Bring the database to :data:`HEAD_REVISION`; return the revisions applied now, in
    order (empty when it was up to date).

    Raises :class:`DatabaseError` for a schema this version does not know (a newer release
    wrote it) or an old runner's record it cannot read.
    """
    with engine.connect() as conn:  # the common case: a read, no lock, no Alembic
        if _revision(conn) == HEAD_REVISION:
            return []
    import alembic.command  # noqa: F401  (imported before the lock, not while holding it)

    with writing(), engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(_text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        current = _revision(conn)  # again, now that no other opener can be migrating
        if current == HEAD_REVISION:
            return []
        return _upgrade(conn, current)


def _upgrade(conn: Connection, current: str | None) -> list[str]:
    from alembic import command
    from alembic.util.exc import CommandError

    config = alembic_config(conn)
    if current is None and _has_table(conn, "schema_migrations"):
        step = _old_runner_step(conn)
        if step is not None:
            command.stamp(config, step)
        # Its record now lives in alembic_version; a second one would only go stale.
        conn.execute(_text("DROP TABLE schema_migrations"))
        current = step
    try:
        command.upgrade(config, "head")
    except CommandError:
        raise DatabaseError(
            f"the diary's schema is at revision {current!r}, which this version of backspasm "
            f"does not know (its newest is {HEAD_REVISION!r}); was it opened by a newer "
            "version? Nothing was changed") from None
    return list(config.attributes.get("applied", []))


def _old_runner_step(conn: Connection) -> str | None:
    """The last step the hand-written runner applied (``None``: none), checked to be a run
    of its steps from the first, as that runner applied them."""
    applied = set(conn.execute(_text("SELECT id FROM schema_migrations")).scalars())
    prefix = OLD_RUNNER_STEPS[:len(applied)]
    if applied != set(prefix):
        raise DatabaseError(
            f"schema_migrations lists {sorted(applied)}, expected the first steps of "
            f"{list(OLD_RUNNER_STEPS)}; nothing was changed")
    return prefix[-1] if prefix else None


def new_revision(rev_id: str, message: str, *,
                 script_location: str = SCRIPT_LOCATION) -> str:
    """Write ``versions/<rev_id>.py`` after the head, with the operations that bring an
    empty database upgraded to head in line with ``store.models`` (Alembic's autogenerate,
    against SQLite in memory) as a first draft; return its path. Read and edit the draft:
    write its tables out (no model imports), then set :data:`HEAD_REVISION` to ``rev_id``.
    """
    from alembic import command

    from backspasm.store.engine import make_engine

    engine = make_engine("sqlite://")
    with writing(), engine.connect() as conn, conn.begin():
        config = alembic_config(conn, script_location)
        command.upgrade(config, "head")
        script = command.revision(config, message, autogenerate=True, rev_id=rev_id)
    engine.dispose()
    if script is None or isinstance(script, list):
        raise RuntimeError("Alembic wrote no single revision")
    return script.path

