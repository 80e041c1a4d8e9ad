"""Triage journeys in the web app: answers kept server-side between pages.

Databases made before this step, when the web app created the table itself, already have
it: it is then left as it is.

Revision ID: 0004_web_journeys
Revises: 0003_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_web_journeys"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("web_journeys"):
        return
    op.create_table(
        "web_journeys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("profile", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_journeys")
