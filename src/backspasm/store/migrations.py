"""Named, transactional schema migrations recorded in ``schema_migrations``.

Each step has a stable id and runs inside one transaction together with its record, so a
database is never left half-migrated. Concurrent openers are serialised (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level advisory lock). Steps define their
tables here, frozen, rather than reusing the ORM models, so an old step never changes
meaning when the models move on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    text,
)

from backspasm.store.engine import WRITE_OPTION

#: Arbitrary constant: the advisory lock id that serialises migrations on PostgreSQL.
_PG_LOCK_KEY = 0x6261636B  # "back"


@dataclass(frozen=True)
class Migration:
    id: str
    apply: Callable[[Connection], None]


def _owner() -> Column[int]:
    return Column(
        "profile_id", Integer, ForeignKey("profiles.id", ondelete="CASCADE"), nullable=False
    )


def _0001_initial(conn: Connection) -> None:
    md = MetaData()
    ts = DateTime(timezone=False)  # naive UTC, see models.UTCDateTime
    Table(
        "profiles", md,
        Column("id", Integer, primary_key=True),
        Column("key", String(200), unique=True),
        Column("tz", String(64), nullable=False),
        Column("wake", Time, nullable=False),
        Column("sleep", Time, nullable=False),
        Column("region", String(8), nullable=False),
        Column("age", Integer),
        Column("created_at", ts, nullable=False),
    )
    Table(
        "episodes", md,
        Column("id", Integer, primary_key=True),
        _owner(),
        Column("onset", ts, nullable=False),
        Column("ended_at", ts),
        Column("trigger", String(32)),
        CheckConstraint("ended_at IS NULL OR ended_at >= onset", name="episode_end_after_onset"),
        Index("one_open_episode", "profile_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        Index("ix_episodes_profile_onset", "profile_id", "onset"),
    )
    Table(
        "pain_entries", md,
        Column("id", Integer, primary_key=True),
        _owner(),
        Column("at", ts, nullable=False),
        Column("score", Integer, nullable=False),
        Column("note", Text),
        CheckConstraint("score BETWEEN 0 AND 10", name="pain_score_range"),
        Index("ix_pain_profile_at", "profile_id", "at"),
    )
    Table(
        "care_entries", md,
        Column("id", Integer, primary_key=True),
        _owner(),
        Column("kind", String(16), nullable=False),
        Column("start", ts, nullable=False),
        Column("minutes", Integer),
        Column("medicine", String(200)),
        Column("note", Text),
        Index("ix_care_profile_start", "profile_id", "start"),
    )
    Table(
        "triage_records", md,
        Column("id", Integer, primary_key=True),
        _owner(),
        Column("at", ts, nullable=False),
        Column("answers", JSON, nullable=False),
        Column("level", String(32), nullable=False),
        Column("rules", JSON, nullable=False),
        Column("knowledge_version", String(100), nullable=False),
        Index("ix_triage_profile_at", "profile_id", "at"),
    )
    md.create_all(conn)


def _0002_feed_tokens(conn: Connection) -> None:
    """Calendar subscription feeds (issue 5): one live token per profile, kept as a hash."""
    md = MetaData()
    Table("profiles", md, Column("id", Integer, primary_key=True))  # for the foreign key
    Table(
        "feed_tokens", md,
        Column("id", Integer, primary_key=True),
        Column("profile_id", Integer, ForeignKey("profiles.id", ondelete="CASCADE"),
               nullable=False, unique=True),
        Column("token_hash", String(64), nullable=False, unique=True),
        Column("created_at", DateTime(timezone=False), nullable=False),
    )
    md.tables["feed_tokens"].create(conn)


def _0003_accounts(conn: Connection) -> None:
    """Multi-user web app (issue 4): accounts, server-side sessions, sign-in failures.

    An account owns exactly one profile; deleting the profile deletes the account and its
    sessions (cascade). Session ids and rate-limit keys are kept only as SHA-256 hashes.
    """
    md = MetaData()
    ts = DateTime(timezone=False)
    Table("profiles", md, Column("id", Integer, primary_key=True))  # for the foreign key
    Table(
        "accounts", md,
        Column("id", Integer, primary_key=True),
        Column("email", String(254), nullable=False, unique=True),
        Column("password_hash", String(255), nullable=False),
        Column("profile_id", Integer, ForeignKey("profiles.id", ondelete="CASCADE"),
               nullable=False, unique=True),
        Column("created_at", ts, nullable=False),
    )
    Table(
        "web_sessions", md,
        Column("token_hash", String(64), primary_key=True),
        Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"),
               nullable=False),
        Column("csrf_token", String(64), nullable=False),
        Column("created_at", ts, nullable=False),
        Column("expires_at", ts, nullable=False),
        Index("ix_web_sessions_account", "account_id"),
    )
    Table(
        "signin_failures", md,
        Column("id", Integer, primary_key=True),
        Column("key_hash", String(64), nullable=False),
        Column("at", ts, nullable=False),
        Index("ix_signin_failures_key_at", "key_hash", "at"),
    )
    for name in ("accounts", "web_sessions", "signin_failures"):
        md.tables[name].create(conn)


def _0004_web_journeys(conn: Connection) -> None:
    """Triage journeys in the web app (issue 4): answers kept server-side between pages.

    checkfirst keeps databases made before this step (when the web app created the table
    itself) working.
    """
    md = MetaData()
    Table(
        "web_journeys", md,
        Column("key_hash", String(64), primary_key=True),
        Column("profile", String(64), nullable=False),
        Column("data", Text, nullable=False),
        Column("updated_at", DateTime(timezone=False), nullable=False),
    ).create(conn, checkfirst=True)


def _0005_triage_unsure(conn: Connection) -> None:
    """Keep the "not sure" answers of a triage (hazard H23/H17): they counted as yes.

    Older records get an empty list: they were saved without it.
    """
    conn.execute(
        text("ALTER TABLE triage_records ADD COLUMN unsure JSON NOT NULL DEFAULT '[]'")
    )


def _0006_profile_pseudonyms(conn: Connection) -> None:
    """A random pseudonym per profile (issue 10): SQLite hands a deleted profile's id to the
    next one, so calendar UIDs and FHIR pseudonyms are seeded by this instead of the id.
    Existing profiles get one now."""
    import secrets

    conn.execute(text("ALTER TABLE profiles ADD COLUMN pseudonym VARCHAR(32)"))
    for pid in conn.execute(text("SELECT id FROM profiles")).scalars().all():
        conn.execute(text("UPDATE profiles SET pseudonym = :p WHERE id = :id"),
                     {"p": secrets.token_hex(16), "id": pid})


MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_initial", _0001_initial),
    Migration("0002_feed_tokens", _0002_feed_tokens),
    Migration("0003_accounts", _0003_accounts),
    Migration("0004_web_journeys", _0004_web_journeys),
    Migration("0005_triage_unsure", _0005_triage_unsure),
    Migration("0006_profile_pseudonyms", _0006_profile_pseudonyms),
)


def _ensure_table(conn: Connection) -> None:
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " id VARCHAR(100) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)"
        )
    )


def applied_migrations(engine: Engine) -> list[str]:
    """Ids of the migrations recorded in the database, in order of application."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).has_table("schema_migrations"):
            return []
        return list(conn.execute(text("SELECT id FROM schema_migrations ORDER BY id")).scalars())


def migrate(engine: Engine) -> list[str]:
    """Apply every pending migration; return the ids applied now (empty when up to date)."""
    done: list[str] = []
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        _ensure_table(conn)
        applied = set(conn.execute(text("SELECT id FROM schema_migrations")).scalars())
        for step in MIGRATIONS:
            if step.id in applied:
                continue
            step.apply(conn)
            conn.execute(
                text("INSERT INTO schema_migrations (id, applied_at) VALUES (:id, :at)"),
                {"id": step.id, "at": datetime.now(UTC).isoformat()},
            )
            done.append(step.id)
    return done
