"""SQLAlchemy 2 models of the diary. Every row belongs to a profile.

The schema itself is created by the Alembic revisions in ``store/alembic/versions`` (run by
:mod:`backspasm.store.schema`); a test checks that these models and the migrated schema
agree.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on every backend; always returned aware (UTC)."""

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


class Base(DeclarativeBase):
    pass


def new_pseudonym() -> str:
    """A random profile pseudonym (128 bits, hex)."""
    import secrets

    return secrets.token_hex(16)


class ProfileRow(Base):
    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    tz: Mapped[str] = mapped_column(String(64))
    wake: Mapped[time] = mapped_column(Time)
    sleep: Mapped[time] = mapped_column(Time)
    region: Mapped[str] = mapped_column(String(8))
    age: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Random per profile (revision 0006): ids can come back after a delete on SQLite.
    pseudonym: Mapped[str | None] = mapped_column(String(32), default=new_pseudonym)


class EpisodeRow(Base):
    __tablename__ = "episodes"
    __table_args__ = (
        # At most one open episode per profile, enforced by the database itself so that
        # two processes starting an episode at once cannot both succeed.
        Index(
            "one_open_episode",
            "profile_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_episodes_profile_onset", "profile_id", "onset"),
        CheckConstraint("ended_at IS NULL OR ended_at >= onset", name="episode_end_after_onset"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    onset: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trigger: Mapped[str | None] = mapped_column(String(32))


class PainRow(Base):
    __tablename__ = "pain_entries"
    __table_args__ = (
        Index("ix_pain_profile_at", "profile_id", "at"),
        CheckConstraint("score BETWEEN 0 AND 10", name="pain_score_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class CareRow(Base):
    __tablename__ = "care_entries"
    __table_args__ = (Index("ix_care_profile_start", "profile_id", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int | None] = mapped_column(Integer)
    medicine: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class TriageRow(Base):
    __tablename__ = "triage_records"
    __table_args__ = (Index("ix_triage_profile_at", "profile_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    level: Mapped[str] = mapped_column(String(32))
    rules: Mapped[list[str]] = mapped_column(JSON)
    knowledge_version: Mapped[str] = mapped_column(String(100))
    #: Yes/no fields answered "not sure" (counted as yes); revision 0005.
    unsure: Mapped[list[str]] = mapped_column(JSON, default=list)


class FeedTokenRow(Base):
    """A calendar subscription feed: the SHA-256 of the secret, never the secret."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccountRow(Base):
    """A multi-user web account: owns exactly one profile."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSessionRow(Base):
    """A signed-in browser: the SHA-256 of its random cookie value, never the value."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_account", "account_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SigninFailureRow(Base):
    """One failed sign-in, keyed by a hash of account + address (rate limiting)."""

    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_key_at", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


#: Triage journeys of the web app, between pages (store/journeys.py reads and writes them).
#: ``profile`` is the profile key; ``key_hash`` is a SHA-256 of the random cookie id.
web_journeys = Table(
    "web_journeys",
    Base.metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("profile", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("updated_at", DateTime(timezone=False), nullable=False),
)
