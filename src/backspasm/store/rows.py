"""Rows to records, and the reads the store's modules share.

Every read takes an open :class:`~sqlalchemy.Connection` (from
:meth:`Store.read <backspasm.store.transactions.Transactions.read>` or ``Store.write``), so
a caller can combine several in one transaction. The statements are built once, here, with
bound parameters: SQLAlchemy then finds each one's compiled form in its cache without
rebuilding the statement or its cache key on every call. Result rows become the frozen
records of :mod:`backspasm.store.records` directly (their columns are in the records'
field order).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Result, bindparam, select

from backspasm.core.times import is_id
from backspasm.store import records as r
from backspasm.store.checks import utc
from backspasm.store.errors import NotFoundError
from backspasm.store.models import care_entries as care_t
from backspasm.store.models import episodes as episodes_t
from backspasm.store.models import pain_entries as pain_t
from backspasm.store.models import profiles as profiles_t
from backspasm.store.models import triage_records as triage_t
from backspasm.store.views import episode_of, profile_of, triage_of

__all__ = [
    "care_entries", "changed", "episode_of", "episodes", "get_episode", "insert_one",
    "latest_pain",
    "latest_triage", "open_episode", "pain_entries", "profile", "profile_by_key",
    "profile_of", "triage_of", "triage_records",
]

_PID = bindparam("pid")

PROFILE_COLS = (profiles_t.c.id, profiles_t.c.key, profiles_t.c.tz, profiles_t.c.wake,
                profiles_t.c.sleep, profiles_t.c.region, profiles_t.c.age,
                profiles_t.c.created_at, profiles_t.c.pseudonym, profiles_t.c.name,
                profiles_t.c.birth_date)
EPISODE_COLS = (episodes_t.c.id, episodes_t.c.profile_id, episodes_t.c.onset,
                episodes_t.c.ended_at, episodes_t.c.trigger)
PAIN_COLS = (pain_t.c.id, pain_t.c.profile_id, pain_t.c.at, pain_t.c.score, pain_t.c.note)
CARE_COLS = (care_t.c.id, care_t.c.profile_id, care_t.c.kind, care_t.c.start,
             care_t.c.minutes, care_t.c.medicine, care_t.c.note)
TRIAGE_COLS = (triage_t.c.id, triage_t.c.profile_id, triage_t.c.at, triage_t.c.answers,
               triage_t.c.level, triage_t.c.rules, triage_t.c.knowledge_version,
               triage_t.c.unsure)

_PROFILE = select(*PROFILE_COLS).where(profiles_t.c.id == _PID)
_PROFILE_BY_KEY = select(*PROFILE_COLS).where(profiles_t.c.key == bindparam("key"))
_EPISODES = (select(*EPISODE_COLS).where(episodes_t.c.profile_id == _PID)
             .order_by(episodes_t.c.onset, episodes_t.c.id))
_EPISODES_SINCE = (select(*EPISODE_COLS)
                   .where(episodes_t.c.profile_id == _PID,
                          episodes_t.c.onset >= bindparam("since"))
                   .order_by(episodes_t.c.onset, episodes_t.c.id))
_EPISODE = select(*EPISODE_COLS).where(episodes_t.c.id == bindparam("id"),
                                       episodes_t.c.profile_id == _PID)
_OPEN_EPISODE = select(*EPISODE_COLS).where(episodes_t.c.profile_id == _PID,
                                            episodes_t.c.ended_at.is_(None))
_LATEST_PAIN = (select(*PAIN_COLS).where(pain_t.c.profile_id == _PID)
                .order_by(pain_t.c.at.desc(), pain_t.c.id.desc()).limit(1))
_LATEST_PAIN_BEFORE = (select(*PAIN_COLS)
                       .where(pain_t.c.profile_id == _PID, pain_t.c.at < bindparam("until"))
                       .order_by(pain_t.c.at.desc(), pain_t.c.id.desc()).limit(1))
_LATEST_TRIAGE = (select(*TRIAGE_COLS).where(triage_t.c.profile_id == _PID)
                  .order_by(triage_t.c.at.desc(), triage_t.c.id.desc()).limit(1))
_TRIAGE_RECORDS = (select(*TRIAGE_COLS).where(triage_t.c.profile_id == _PID)
                   .order_by(triage_t.c.at, triage_t.c.id))


def _ranges(cols: tuple[Any, ...], time: Any) -> dict[tuple[bool, bool], Any]:
    """The four range reads of a table by time (``[since, until)``, either end open),
    oldest first; keyed by (has since, has until)."""
    out = {}
    for lo in (False, True):
        for hi in (False, True):
            q = select(*cols).where(cols[1] == _PID)
            if lo:
                q = q.where(time >= bindparam("since"))
            if hi:
                q = q.where(time < bindparam("until"))
            out[lo, hi] = q.order_by(time, cols[0])
    return out


_PAIN_RANGE = _ranges(PAIN_COLS, pain_t.c.at)
_CARE_RANGE = _ranges(CARE_COLS, care_t.c.start)


# --- helpers (rows to records: profile_of, episode_of, triage_of of store.views) --------

def insert_one(conn: Connection, statement: Any, values: dict[str, Any]) -> int:
    """Run an INSERT of one row (``values``); the new row's id."""
    key = conn.execute(statement, values).inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise RuntimeError("the database gave the new row no id")
    return int(key[0])


def changed(result: Result[Any]) -> int:
    """How many rows the DELETE or UPDATE that gave ``result`` touched."""
    return cast(CursorResult[Any], result).rowcount


# --- reads inside a transaction -----------------------------------------------------------

def profile(conn: Connection, profile_id: int) -> r.Profile:
    """The profile, or :class:`NotFoundError` naming ``profile``."""
    row = conn.execute(_PROFILE, {"pid": profile_id}).first() if is_id(profile_id) else None
    if row is None:
        raise NotFoundError("profile", "an existing profile id", profile_id)
    return profile_of(row)


def profile_by_key(conn: Connection, key: str) -> r.Profile | None:
    row = conn.execute(_PROFILE_BY_KEY, {"key": key}).first()
    return None if row is None else profile_of(row)


def open_episode(conn: Connection, profile_id: int) -> r.Episode | None:
    row = conn.execute(_OPEN_EPISODE, {"pid": profile_id}).first()
    return None if row is None else r.Episode(*row)


def get_episode(conn: Connection, profile_id: int, episode_id: int) -> r.Episode:
    """One episode of the profile, or :class:`NotFoundError` naming ``episode``."""
    row = (conn.execute(_EPISODE, {"id": episode_id, "pid": profile_id}).first()
           if is_id(episode_id) else None)
    if row is None:
        raise NotFoundError("episode", "an episode id of this profile", episode_id)
    return r.Episode(*row)


def episodes(conn: Connection, pid: int, since: datetime | None = None) -> list[r.Episode]:
    """Episodes, oldest first; only those with onset at or after ``since`` if given."""
    if since is None:
        result = conn.execute(_EPISODES, {"pid": pid})
    else:
        result = conn.execute(_EPISODES_SINCE, {"pid": pid, "since": utc("since", since)})
    return [r.Episode(*row) for row in result.all()]


def _params(pid: int, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    params: dict[str, Any] = {"pid": pid}
    if since is not None:
        params["since"] = utc("since", since)
    if until is not None:
        params["until"] = utc("until", until)
    return params


def pain_entries(conn: Connection, pid: int, since: datetime | None,
                 until: datetime | None) -> list[r.PainEntry]:
    """Pain entries in ``[since, until)`` (``None``: open end), oldest first."""
    q = _PAIN_RANGE[since is not None, until is not None]
    return [r.PainEntry(*row) for row in conn.execute(q, _params(pid, since, until)).all()]


def care_entries(conn: Connection, pid: int, since: datetime | None,
                 until: datetime | None) -> list[r.CareEntry]:
    """Care entries starting in ``[since, until)`` (``None``: open end), oldest first."""
    q = _CARE_RANGE[since is not None, until is not None]
    return [r.CareEntry(*row) for row in conn.execute(q, _params(pid, since, until)).all()]


def latest_pain(conn: Connection, pid: int,
                before: datetime | None = None) -> r.PainEntry | None:
    """The latest pain entry (with ``before``: the latest earlier than it)."""
    q = _LATEST_PAIN if before is None else _LATEST_PAIN_BEFORE
    row = conn.execute(q, _params(pid, None, before)).first()
    return None if row is None else r.PainEntry(*row)


def latest_triage(conn: Connection, pid: int) -> r.TriageRecord | None:
    row = conn.execute(_LATEST_TRIAGE, {"pid": pid}).first()
    return None if row is None else triage_of(row)


def triage_records(conn: Connection, pid: int) -> list[r.TriageRecord]:
    return [triage_of(row) for row in conn.execute(_TRIAGE_RECORDS, {"pid": pid}).all()]
