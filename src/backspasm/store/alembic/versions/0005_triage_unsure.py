"""Keep the "not sure" answers of a triage (hazards H23/H17): they counted as yes.

Older records get an empty list: they were saved without it.

Revision ID: 0005_triage_unsure
Revises: 0004_web_journeys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_triage_unsure"
down_revision = "0004_web_journeys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: SQLite adds the column in place, without copying the table.
    with op.batch_alter_table("triage_records") as batch:
        batch.add_column(sa.Column("unsure", sa.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("triage_records", "unsure")
