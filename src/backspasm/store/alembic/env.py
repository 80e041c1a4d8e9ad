"""Alembic's environment for the diary schema, run by :func:`backspasm.store.schema.migrate`.

It never opens a connection of its own: the caller passes one in
``config.attributes["connection"]``, already inside the write transaction that holds the
migration lock, so every revision (and the version stamp) commits or rolls back together
(transactional DDL on PostgreSQL and on SQLite, whose ``BEGIN`` the engine issues itself).
SQLite alters tables in batch mode (``render_as_batch``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection

from backspasm.store.models import metadata

config = context.config
connection = config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("the diary schema migrates only through backspasm.store.schema.migrate")
applied: list[str] = config.attributes.setdefault("applied", [])


def _record(ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any],
            run_args: Mapping[str, Any]) -> None:
    """Note each revision applied (not a stamp) for :func:`~backspasm.store.schema.migrate`."""
    if step.is_upgrade and not step.is_stamp and step.up_revision_id is not None:
        applied.append(step.up_revision_id)


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    on_version_apply=_record,
)
with context.begin_transaction():  # the caller's transaction: no new one is begun
    context.run_migrations()
