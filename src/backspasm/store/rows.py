"""Rows to records: the ORM rows of :mod:`backspasm.store.models` become the frozen
records of :mod:`backspasm.store.records`, and the reads the store's modules share.

Every read here takes an open :class:`~sqlalchemy.orm.Session` (from
:meth:`Store.read <backspasm.store.repository.Store.read>` or ``Store.write``), so a
caller can combine several in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, select
from sqlalchemy.orm import Session

from backspasm.core.times import is_id
from backspasm.store import records as r
from backspasm.store.checks import utc
from backspasm.store.errors import NotFoundError
from backspasm.store.models import CareRow, EpisodeRow, PainRow, ProfileRow, TriageRow

__all__ = [
    "care", "care_entries", "changed", "episode", "latest_triage", "open_episode_row", "pain",
    "pain_entries", "profile", "profile_row", "triage",
]


def profile(row: ProfileRow) -> r.Profile:
    return r.Profile(row.id, row.key, row.tz, row.wake, row.sleep, row.region or None,
                     row.age, row.created_at, row.pseudonym or f"id{row.id}")


def episode(row: EpisodeRow) -> r.Episode:
    return r.Episode(row.id, row.profile_id, row.onset, row.ended_at, row.trigger)


def pain(row: PainRow) -> r.PainEntry:
    return r.PainEntry(row.id, row.profile_id, row.at, row.score, row.note)


def care(row: CareRow) -> r.CareEntry:
    return r.CareEntry(row.id, row.profile_id, row.kind, row.start, row.minutes, row.medicine,
                       row.note)


def triage(row: TriageRow) -> r.TriageRecord:
    return r.TriageRecord(row.id, row.profile_id, row.at, dict(row.answers), row.level,
                          list(row.rules), row.knowledge_version, list(row.unsure or []))


def changed(result: Result[Any]) -> int:
    """How many rows the DELETE or UPDATE that gave ``result`` touched."""
    return cast(CursorResult[Any], result).rowcount


# --- reads inside a session ---------------------------------------------------------------

def profile_row(s: Session, profile_id: int) -> ProfileRow:
    """The profile's row, or :class:`NotFoundError` naming ``profile``."""
    row = s.get(ProfileRow, profile_id) if is_id(profile_id) else None
    if row is None:
        raise NotFoundError("profile", "an existing profile id", profile_id)
    return row


def open_episode_row(s: Session, profile_id: int) -> EpisodeRow | None:
    return s.scalar(
        select(EpisodeRow).where(EpisodeRow.profile_id == profile_id,
                                 EpisodeRow.ended_at.is_(None))
    )


_PAIN_COLS = (PainRow.id, PainRow.profile_id, PainRow.at, PainRow.score, PainRow.note)
_CARE_COLS = (CareRow.id, CareRow.profile_id, CareRow.kind, CareRow.start, CareRow.minutes,
              CareRow.medicine, CareRow.note)


def pain_entries(s: Session, pid: int, since: datetime | None,
                 until: datetime | None) -> list[r.PainEntry]:
    """Pain entries in ``[since, until)`` (``None``: open end), oldest first."""
    # Plain column tuples, not ORM objects: several times faster for thousands of rows.
    q = select(*_PAIN_COLS).where(PainRow.profile_id == pid)
    if since is not None:
        q = q.where(PainRow.at >= utc("since", since))
    if until is not None:
        q = q.where(PainRow.at < utc("until", until))
    rows = s.connection().execute(q.order_by(PainRow.at, PainRow.id))
    return [r.PainEntry(*row) for row in rows]


def care_entries(s: Session, pid: int, since: datetime | None,
                 until: datetime | None) -> list[r.CareEntry]:
    """Care entries starting in ``[since, until)`` (``None``: open end), oldest first."""
    q = select(*_CARE_COLS).where(CareRow.profile_id == pid)
    if since is not None:
        q = q.where(CareRow.start >= utc("since", since))
    if until is not None:
        q = q.where(CareRow.start < utc("until", until))
    rows = s.connection().execute(q.order_by(CareRow.start, CareRow.id))
    return [r.CareEntry(*row) for row in rows]


def latest_triage(s: Session, pid: int) -> r.TriageRecord | None:
    row = s.scalar(select(TriageRow).where(TriageRow.profile_id == pid)
                   .order_by(TriageRow.at.desc(), TriageRow.id.desc()).limit(1))
    return None if row is None else triage(row)
