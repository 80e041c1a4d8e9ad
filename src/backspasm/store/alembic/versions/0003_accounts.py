"""Multi-user web app: accounts, server-side sessions, sign-in failures.

An account owns exactly one profile; deleting the profile deletes the account and its
sessions (cascade). Session ids and rate-limit keys are kept only as SHA-256 hashes.

Revision ID: 0003_accounts
Revises: 0002_feed_tokens
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_accounts"
down_revision = "0002_feed_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = sa.DateTime(timezone=False)
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profiles.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("created_at", ts, nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("expires_at", ts, nullable=False),
    )
    op.create_index("ix_web_sessions_account", "web_sessions", ["account_id"])
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("at", ts, nullable=False),
    )
    op.create_index("ix_signin_failures_key_at", "signin_failures", ["key_hash", "at"])


def downgrade() -> None:
    for table in ("signin_failures", "web_sessions", "accounts"):
        op.drop_table(table)
