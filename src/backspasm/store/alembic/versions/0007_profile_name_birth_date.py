"""An optional name and date of birth per profile, for the clinician's report and the FHIR
Patient. Both stay empty unless the person gives them.

Revision ID: 0007_profile_name_birth_date
Revises: 0006_profile_pseudonyms
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_profile_name_birth_date"
down_revision = "0006_profile_pseudonyms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: SQLite alters "profiles" in place (see 0006 on why not "recreate").
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("name", sa.String(200)))
        batch.add_column(sa.Column("birth_date", sa.Date))


def downgrade() -> None:
    op.drop_column("profiles", "birth_date")
    op.drop_column("profiles", "name")
