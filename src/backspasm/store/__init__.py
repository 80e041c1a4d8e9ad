"""The diary store: SQLAlchemy Core tables, migrations and the one repository API.

Usage::

    from backspasm.store import open_store
    with open_store(url) as store:          # migrates the database on open
        p = store.ensure_profile("local", tz="Europe/London")
        store.log_pain(p.id, score=6, at=now)

No SQL lives outside this package. See ``docs/internals.md`` ("Store API").

``Store`` and ``open_store`` are imported on first use, with SQLAlchemy: the errors and
records (and :mod:`backspasm.store.lite`, the diary commands' stdlib path on SQLite) come
without it.
"""

from typing import TYPE_CHECKING

from backspasm.store.errors import (
    ConflictError,
    DatabaseError,
    ImportFormatError,
    NotADatabaseError,
    NotFoundError,
    StoreError,
)
from backspasm.store.records import (
    TRIGGERS,
    CareEntry,
    Diary,
    Episode,
    Overview,
    PainEntry,
    Profile,
    StatusData,
    TriageRecord,
)

if TYPE_CHECKING:
    from backspasm.store.document import EXPORT_FORMAT, EXPORT_VERSION
    from backspasm.store.repository import Store, open_store

    CARE_KINDS: tuple[str, ...]


def __getattr__(name: str) -> object:
    """``Store`` and ``open_store`` come from ``store.repository`` on first use (with
    SQLAlchemy); ``CARE_KINDS`` from plan.yaml (see ``store.records``); the export
    format's name and version from ``store.document``, imported only then (with its JSON
    Schema machinery: a diary command that exports nothing does not pay for it)."""
    if name in ("Store", "open_store"):
        from backspasm.store import repository

        found = globals()[name] = getattr(repository, name)  # looked up once
        return found
    if name in ("EXPORT_FORMAT", "EXPORT_VERSION"):
        from backspasm.store import document

        return getattr(document, name)
    from backspasm.store import records

    return getattr(records, name)  # AttributeError for any other name


__all__ = [
    "open_store", "Store", "StoreError", "NotFoundError", "ConflictError", "ImportFormatError",
    "NotADatabaseError",
    "DatabaseError", "Profile", "Episode", "PainEntry", "CareEntry", "TriageRecord",
    "StatusData", "Diary", "Overview", "CARE_KINDS", "TRIGGERS", "EXPORT_FORMAT", "EXPORT_VERSION",
]
