"""The diary: profiles, episodes, pain, care and triage records.

Tables are written out here, frozen, not taken from the models: a revision never changes
meaning when the models move on. Times are naive UTC (see ``models.UTCDateTime``).

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision: str | None = None
branch_labels = None
depends_on = None


def _owner() -> sa.Column[int]:
    return sa.Column("profile_id", sa.Integer,
                     sa.ForeignKey("profiles.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    ts = sa.DateTime(timezone=False)
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), unique=True),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("wake", sa.Time, nullable=False),
        sa.Column("sleep", sa.Time, nullable=False),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("age", sa.Integer),
        sa.Column("created_at", ts, nullable=False),
    )
    op.create_table(
        "episodes",
        sa.Column("id", sa.Integer, primary_key=True),
        _owner(),
        sa.Column("onset", ts, nullable=False),
        sa.Column("ended_at", ts),
        sa.Column("trigger", sa.String(32)),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= onset",
                           name="episode_end_after_onset"),
    )
    op.create_index("one_open_episode", "episodes", ["profile_id"], unique=True,
                    sqlite_where=sa.text("ended_at IS NULL"),
                    postgresql_where=sa.text("ended_at IS NULL"))
    op.create_index("ix_episodes_profile_onset", "episodes", ["profile_id", "onset"])
    op.create_table(
        "pain_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        _owner(),
        sa.Column("at", ts, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("note", sa.Text),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name="pain_score_range"),
    )
    op.create_index("ix_pain_profile_at", "pain_entries", ["profile_id", "at"])
    op.create_table(
        "care_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        _owner(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("start", ts, nullable=False),
        sa.Column("minutes", sa.Integer),
        sa.Column("medicine", sa.String(200)),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_care_profile_start", "care_entries", ["profile_id", "start"])
    op.create_table(
        "triage_records",
        sa.Column("id", sa.Integer, primary_key=True),
        _owner(),
        sa.Column("at", ts, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("knowledge_version", sa.String(100), nullable=False),
    )
    op.create_index("ix_triage_profile_at", "triage_records", ["profile_id", "at"])


def downgrade() -> None:
    for table in ("triage_records", "care_entries", "pain_entries", "episodes", "profiles"):
        op.drop_table(table)
