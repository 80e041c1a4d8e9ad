"""Export and import of a whole profile as one portable JSON document.

The document's format is :mod:`backspasm.store.document`; :class:`Store` offers both as
:meth:`~backspasm.store.repository.Store.export_profile` and
:meth:`~backspasm.store.repository.Store.import_profile`.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backspasm.store import rows
from backspasm.store.checks import iso_utc
from backspasm.store.document import EXPORT_FORMAT, EXPORT_VERSION, LISTS, parse_document
from backspasm.store.errors import ConflictError, ImportFormatError
from backspasm.store.models import (
    Base,
    CareRow,
    EpisodeRow,
    PainRow,
    ProfileRow,
    TriageRow,
    UTCDateTime,
)

if TYPE_CHECKING:
    from backspasm.store.repository import Store

__all__ = ["copy_rows", "export_profile", "import_profile"]

#: The table of each list of the document.
_MODELS: dict[str, type[EpisodeRow | PainRow | CareRow | TriageRow]] = {
    "episodes": EpisodeRow, "pain": PainRow, "care": CareRow, "triage": TriageRow}


def export_profile(store: Store, profile_id: int) -> dict[str, Any]:
    """Everything of the profile as one JSON-ready document (see ``EXPORT_VERSION``)."""
    with store.read() as s:
        p = rows.profile_row(s, profile_id)

        def of(model: Any, *order: Any) -> Any:
            return s.scalars(select(model).where(model.profile_id == profile_id)
                             .order_by(*order, model.id))

        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "profile": {"tz": p.tz, "wake": p.wake.strftime("%H:%M"),
                        "sleep": p.sleep.strftime("%H:%M"), "region": p.region or None,
                        "age": p.age},
            "episodes": [{"onset": iso_utc(e.onset), "ended_at": iso_utc(e.ended_at),
                          "trigger": e.trigger}
                         for e in of(EpisodeRow, EpisodeRow.onset)],
            "pain": [{"at": iso_utc(x.at), "score": x.score, "note": x.note}
                     for x in rows.pain_entries(s, profile_id, None, None)],
            "care": [{"kind": c.kind, "start": iso_utc(c.start), "minutes": c.minutes,
                      "medicine": c.medicine, "note": c.note}
                     for c in of(CareRow, CareRow.start)],
            "triage": [{"at": iso_utc(t.at), "answers": t.answers, "level": t.level,
                        "rules": t.rules, "knowledge_version": t.knowledge_version,
                        "unsure": list(t.unsure or [])}
                       for t in of(TriageRow, TriageRow.at)],
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

    def go(s: Session) -> dict[str, int]:
        rows.profile_row(s, profile_id)
        if replace:
            for model in _MODELS.values():
                s.execute(delete(model).where(model.profile_id == profile_id))
        else:
            for model in _MODELS.values():
                if s.scalar(select(model.id).where(model.profile_id == profile_id).limit(1)):
                    raise ConflictError(
                        "import", "an empty diary (use replace, or forget first)")
        s.execute(update(ProfileRow).where(ProfileRow.id == profile_id)
                  .values(**parsed["profile"]))
        conn = s.connection()
        for key, model in _MODELS.items():
            items = parsed[key]
            for item in items:
                item["profile_id"] = profile_id
            try:
                if conn.dialect.name == "postgresql" and model is not TriageRow:
                    copy_rows(conn, model, items)
                else:
                    for i in range(0, len(items), 5000):
                        conn.execute(insert(model), items[i:i + 5000])
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


def copy_rows(conn: Connection, model: type[Base], items: list[dict[str, Any]]) -> None:
    """PostgreSQL bulk load with COPY, in the caller's transaction (imports of 100,000
    entries: several times faster than batched INSERTs)."""
    table = model.__table__
    cols = [c.name for c in table.columns if c.name != "id"]
    timestamps = {c.name for c in table.columns if isinstance(c.type, UTCDateTime)}
    raw: Any = conn.connection.driver_connection  # a psycopg connection
    quoted = ", ".join(f'"{c}"' for c in cols)  # "trigger" and "at" need quoting
    sql = f"COPY {model.__tablename__} ({quoted}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for item in items:
            copy.write_row([
                (item[c].astimezone(UTC).replace(tzinfo=None)
                 if c in timestamps and item[c] is not None else item[c])
                for c in cols
            ])
