"""The diary's tables (SQLAlchemy Core, one :data:`metadata`). Every row belongs to a profile.

The schema itself is created by the Alembic revisions in ``store/alembic/versions`` (run by
:mod:`backspasm.store.schema`); a test checks that these tables and the migrated schema
agree. Core tables, not ORM models: importing ``sqlalchemy.orm`` and declaring mapped
classes cost a diary command ~100 ms of its start-up, and the store turns result rows into
its frozen records (``store/records.py``) itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
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
from sqlalchemy.types import TypeDecorator

from backspasm.store.sqlite_text import read_utc

__all__ = [
    "UTCDateTime", "accounts", "care_entries", "episodes", "feed_tokens", "metadata",
    "new_pseudonym", "pain_entries", "profiles", "signin_failures", "triage_records",
    "web_journeys", "web_sessions",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on every backend; always returned aware (UTC).

    On SQLite the stored text is read in one step (:func:`backspasm.store.sqlite_text.read_utc`:
    ``datetime.fromisoformat`` of the text with ``+00:00`` added) rather than SQLAlchemy's
    parse followed by this decorator's ``replace``: a diary page reads hundreds of these.
    What is written is unchanged (``sqlite_text.utc_text`` spells it without SQLAlchemy).
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the database layer")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if dialect.name == "sqlite":
            return read_utc
        return super().result_processor(dialect, coltype)


def new_pseudonym() -> str:
    """A random profile pseudonym (128 bits, hex)."""
    import secrets

    return secrets.token_hex(16)


_metadata = MetaData()


def _owner(*, unique: bool = False) -> Column[int]:
    return Column("profile_id", Integer, ForeignKey("profiles.id", ondelete="CASCADE"),
                  nullable=False, unique=unique)


profiles = Table(
    "profiles", _metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), unique=True),
    Column("tz", String(64), nullable=False),
    Column("wake", Time, nullable=False),
    Column("sleep", Time, nullable=False),
    Column("region", String(8), nullable=False),
    Column("age", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    #: Random per profile (revision 0006): ids can come back after a delete on SQLite.
    Column("pseudonym", String(32), default=new_pseudonym),
    #: Optional, given by the person for the clinician's report (revision 0007).
    Column("name", String(200)),
    Column("birth_date", Date),
)

episodes = Table(
    "episodes", _metadata,
    Column("id", Integer, primary_key=True),
    _owner(),
    Column("onset", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("trigger", String(32)),
    # (and "one_open_episode": see _complete below)
    Index("ix_episodes_profile_onset", "profile_id", "onset"),
    CheckConstraint("ended_at IS NULL OR ended_at >= onset", name="episode_end_after_onset"),
)

pain_entries = Table(
    "pain_entries", _metadata,
    Column("id", Integer, primary_key=True),
    _owner(),
    Column("at", UTCDateTime, nullable=False),
    Column("score", Integer, nullable=False),
    Column("note", Text),
    Index("ix_pain_profile_at", "profile_id", "at"),
    CheckConstraint("score BETWEEN 0 AND 10", name="pain_score_range"),
)

care_entries = Table(
    "care_entries", _metadata,
    Column("id", Integer, primary_key=True),
    _owner(),
    Column("kind", String(16), nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("minutes", Integer),
    Column("medicine", String(200)),
    Column("note", Text),
    Index("ix_care_profile_start", "profile_id", "start"),
)

triage_records = Table(
    "triage_records", _metadata,
    Column("id", Integer, primary_key=True),
    _owner(),
    Column("at", UTCDateTime, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("level", String(32), nullable=False),
    Column("rules", JSON, nullable=False),
    Column("knowledge_version", String(100), nullable=False),
    #: Yes/no fields answered "not sure" (counted as yes); revision 0005.
    Column("unsure", JSON, nullable=False, default=list),
    Index("ix_triage_profile_at", "profile_id", "at"),
)

#: A calendar subscription feed: the SHA-256 of the secret, never the secret.
feed_tokens = Table(
    "feed_tokens", _metadata,
    Column("id", Integer, primary_key=True),
    _owner(unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

#: A multi-user web account: owns exactly one profile.
accounts = Table(
    "accounts", _metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    _owner(unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

#: A signed-in browser: the SHA-256 of its random cookie value, never the value.
web_sessions = Table(
    "web_sessions", _metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"),
           nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_account", "account_id"),
)

#: One failed sign-in, keyed by a hash of account + address (rate limiting).
signin_failures = Table(
    "signin_failures", _metadata,
    Column("id", Integer, primary_key=True),
    Column("key_hash", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_signin_failures_key_at", "key_hash", "at"),
)

#: Triage journeys of the web app, between pages (store/journeys.py reads and writes them).
#: ``profile`` is the profile key; ``key_hash`` is a SHA-256 of the random cookie id.
web_journeys = Table(
    "web_journeys", _metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("profile", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("updated_at", DateTime(timezone=False), nullable=False),
)


def _complete() -> MetaData:
    """The metadata with the one index the queries never need: at most one open episode per
    profile, enforced by the database itself so that two processes starting an episode at
    once cannot both succeed. It is partial (``WHERE ended_at IS NULL``), and declaring that
    for PostgreSQL loads SQLAlchemy's PostgreSQL dialects, which a diary on SQLite never
    needs (tens of milliseconds of every command's start-up): so it joins the metadata only
    when the metadata is asked for (Alembic, tests).
    """
    if "one_open_episode" not in {i.name for i in episodes.indexes}:
        Index("one_open_episode", episodes.c.profile_id, unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL"))
    return _metadata


if TYPE_CHECKING:
    #: Every table of the diary schema (what the Alembic revisions create).
    metadata: MetaData


def __getattr__(name: str) -> MetaData:
    if name == "metadata":
        return _complete()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
