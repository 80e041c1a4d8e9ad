"""Export and import of a whole profile as one portable JSON document.

The document's format is :mod:`backspasm.store.document`; :class:`Store` offers both as
:meth:`~backspasm.store.repository.Store.export_profile` and
:meth:`~backspasm.store.repository.Store.import_profile`.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from backspasm.store import rows
from backspasm.store.checks import iso_utc
from backspasm.store.document import EXPORT_FORMAT, EXPORT_VERSION, LISTS, parse_document
from backspasm.store.errors import ConflictError, ImportFormatError
from backspasm.store.models import (
    UTCDateTime,
    care_entries,
    episodes,
    pain_entries,
    profiles,
    triage_records,
)

if TYPE_CHECKING:
    from backspasm.store.repository import Store

__all__ = ["copy_rows", "export_profile", "import_profile"]

#: The table of each list of the document.
_TABLES: dict[str, Table] = {
    "episodes": episodes, "pain": pain_entries, "care": care_entries, "triage": triage_records}


def export_profile(store: Store, profile_id: int) -> dict[str, Any]:
    """Everything of the profile as one JSON-ready document (see ``EXPORT_VERSION``)."""
    with store.read() as conn:
        p = rows.profile(conn, profile_id)
        care = conn.execute(
            select(*rows.CARE_COLS).where(care_entries.c.profile_id == profile_id)
            .order_by(care_entries.c.start, care_entries.c.id))
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "profile": {"tz": p.tz, "wake": p.wake.strftime("%H:%M"),
                        "sleep": p.sleep.strftime("%H:%M"), "region": p.region,
                        "age": p.age, "name": p.name,
                        "birth_date": None if p.birth_date is None else p.birth_date.isoformat()},
            "episodes": [{"onset": iso_utc(e.onset), "ended_at": iso_utc(e.ended_at),
                          "trigger": e.trigger}
                         for e in rows.episodes(conn, profile_id)],
            "pain": [{"at": iso_utc(x.at), "score": x.score, "note": x.note}
                     for x in rows.pain_entries(conn, profile_id, None, None)],
            "care": [{"kind": c.kind, "start": iso_utc(c.start), "minutes": c.minutes,
                      "medicine": c.medicine, "note": c.note}
                     for c in care],
            "triage": [{"at": iso_utc(t.at), "answers": t.answers, "level": t.level,
                        "rules": t.rules, "knowledge_version": t.knowledge_version,
                        "unsure": list(t.unsure)}
                       for t in rows.triage_records(conn, profile_id)],
        }


def import_profile(
    store: Store, profile_id: int, doc: Any, *, replace: bool = False
) -> dict[str, int]:
    """Load an export document into the profile, all or nothing.

    The profile's diary must be empty unless ``replace`` (then its old entries are
    deleted in the same transaction). Every item is checked first; an error names
    the item (``pain[12].score``) and nothing is written.
    """
    parsed = parse_document(doc, store.now())

    def go(conn: Connection) -> dict[str, int]:
        rows.profile(conn, profile_id)
        if replace:
            for table in _TABLES.values():
                conn.execute(delete(table).where(table.c.profile_id == profile_id))
        else:
            for table in _TABLES.values():
                if conn.execute(select(table.c.id).where(table.c.profile_id == profile_id)
                                .limit(1)).first():
                    raise ConflictError(
                        "import", "an empty diary (use replace, or forget first)")
        conn.execute(update(profiles).where(profiles.c.id == profile_id)
                     .values(**parsed["profile"]))
        for key, table in _TABLES.items():
            items = parsed[key]
            for item in items:
                item["profile_id"] = profile_id
            try:
                if conn.dialect.name == "postgresql" and table is not triage_records:
                    copy_rows(conn, table, items)
                else:
                    for i in range(0, len(items), 5000):
                        conn.execute(insert(table), items[i:i + 5000])
            except Exception as exc:  # raising rolls the whole import back
                if not _is_integrity_error(exc):
                    raise
                orig = getattr(exc, "orig", exc)
                raise ImportFormatError(
                    key, "entries the database accepts", str(orig).splitlines()[0]
                ) from None
        return {k: len(parsed[k]) for k in LISTS}

    return store.write(go)


def _is_integrity_error(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - PostgreSQL support not installed
        return False
    return isinstance(exc, psycopg.IntegrityError)


def copy_rows(conn: Connection, table: Table, items: list[dict[str, Any]]) -> None:
    """PostgreSQL bulk load with COPY, in the caller's transaction (imports of 100,000
    entries: several times faster than batched INSERTs)."""
    cols = [c.name for c in table.columns if c.name != "id"]
    timestamps = {c.name for c in table.columns if isinstance(c.type, UTCDateTime)}
    raw: Any = conn.connection.driver_connection  # a psycopg connection
    quoted = ", ".join(f'"{c}"' for c in cols)  # "trigger" and "at" need quoting
    sql = f"COPY {table.name} ({quoted}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for item in items:
            copy.write_row([
                (item[c].astimezone(UTC).replace(tzinfo=None)
                 if c in timestamps and item[c] is not None else item[c])
                for c in cols
            ])
