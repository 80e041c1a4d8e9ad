"""A random pseudonym per profile: SQLite hands a deleted profile's id to the next one, so
calendar UIDs and FHIR pseudonyms are seeded by this instead of the id. Existing profiles
get one now.

Revision ID: 0006_profile_pseudonyms
Revises: 0005_triage_unsure
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006_profile_pseudonyms"
down_revision = "0005_triage_unsure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding a nullable column: SQLite alters "profiles" in place. Copying it instead (batch
    # "recreate") would drop the table, and with foreign keys on that deletes every row
    # that references a profile.
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("pseudonym", sa.String(32)))
    conn = op.get_bind()
    for pid in conn.execute(sa.text("SELECT id FROM profiles")).scalars().all():
        conn.execute(sa.text("UPDATE profiles SET pseudonym = :p WHERE id = :id"),
                     {"p": secrets.token_hex(16), "id": pid})


def downgrade() -> None:
    # Not in batch mode, for the reason above: ALTER TABLE … DROP COLUMN (SQLite 3.35+).
    op.drop_column("profiles", "pseudonym")
