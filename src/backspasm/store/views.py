"""The diary's views, composed from a handful of reads, and rows to records; no SQLAlchemy.

One definition of what ``Store.overview``, ``Store.diary`` and ``Store.episode_data`` read
and how they put it together, over either implementation of the reads:
:mod:`backspasm.store.rows` (SQLAlchemy Core, every backend) or :mod:`backspasm.store.lite`
(the ``sqlite3`` module, for the diary commands and the exports on a SQLite diary). Each
read takes an open connection in one transaction, so a view is one consistent read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from backspasm.core.times import is_id
from backspasm.store import records as r
from backspasm.store.checks import utc
from backspasm.store.errors import NotFoundError

__all__ = ["Reads", "diary", "episode_data", "episode_of", "overview", "profile_of",
           "triage_of"]


class Reads(Protocol):
    """The reads a view needs (the modules ``store.rows`` and ``store.lite`` give them)."""

    def profile(self, conn: Any, profile_id: int) -> r.Profile: ...

    def episodes(self, conn: Any, pid: int, since: datetime | None = None
                 ) -> list[r.Episode]: ...

    def pain_entries(self, conn: Any, pid: int, since: datetime | None,
                     until: datetime | None) -> list[r.PainEntry]: ...

    def care_entries(self, conn: Any, pid: int, since: datetime | None,
                     until: datetime | None) -> list[r.CareEntry]: ...

    def latest_pain(self, conn: Any, pid: int,
                    before: datetime | None = None) -> r.PainEntry | None: ...

    def latest_triage(self, conn: Any, pid: int) -> r.TriageRecord | None: ...

    def triage_records(self, conn: Any, pid: int) -> list[r.TriageRecord]: ...


# --- rows to records ----------------------------------------------------------------------

def profile_of(row: Sequence[Any]) -> r.Profile:
    """A row of the profile columns as a record (``region`` "" is "not chosen": None)."""
    pid, key, tz, wake, sleep, region, age, created_at, pseudonym, name, birth_date = row
    return r.Profile(pid, key, tz, wake, sleep, region or None, age, created_at,
                     pseudonym or f"id{pid}", name, birth_date)


def episode_of(row: Sequence[Any]) -> r.Episode:
    return r.Episode(*row)


def triage_of(row: Sequence[Any]) -> r.TriageRecord:
    rid, pid, at, answers, level, rules, version, unsure = row
    return r.TriageRecord(rid, pid, at, dict(answers), level, list(rules), version,
                          list(unsure or []))


#: A step past a moment, for "at or before" with a read of "before" (stored times are whole
#: microseconds).
_TICK = timedelta(microseconds=1)


# --- views --------------------------------------------------------------------------------

def overview(
    reads: Reads,
    conn: Any,
    profile_id: int,
    *,
    pain_since: datetime,
    window: Callable[[list[r.Episode]], tuple[datetime, datetime]] | None = None,
    now: datetime | None = None,
) -> r.Overview:
    """``Store.overview`` (see there) over ``reads`` in the transaction of ``conn``."""
    pain_since = utc("pain_since", pain_since)
    now = None if now is None else utc("now", now)
    prof = reads.profile(conn, profile_id)
    eps = reads.episodes(conn, profile_id)
    span = None if window is None else window(eps)
    care: list[r.CareEntry] = []
    if span is None:
        recent = reads.pain_entries(conn, profile_id, pain_since, None)
        pain: list[r.PainEntry] = []
    else:
        since, until = utc("since", span[0]), utc("until", span[1])
        if until >= pain_since:  # the two ranges meet: one read covers both
            both = reads.pain_entries(conn, profile_id, min(since, pain_since), None)
            pain = [p for p in both if since <= p.at < until]
            recent = [p for p in both if p.at >= pain_since]
        else:
            pain = reads.pain_entries(conn, profile_id, since, until)
            recent = reads.pain_entries(conn, profile_id, pain_since, None)
        care = reads.care_entries(conn, profile_id, since, until)
        span = (since, until)
    if now is None:
        latest = recent[-1] if recent else reads.latest_pain(conn, profile_id)
    else:  # the latest at or before now: the look-back's entries may all lie after it (a
        # clock set back, an entry dated ahead), and then it is the latest before them
        latest = next((p for p in reversed(recent) if p.at <= now), None) \
            or reads.latest_pain(conn, profile_id, min(pain_since, now + _TICK))
    return r.Overview(profile=prof, episodes=eps, window=span, pain=pain, care=care,
                      pain_since=pain_since, recent_pain=recent, latest_pain=latest,
                      latest_triage=reads.latest_triage(conn, profile_id))


def diary(reads: Reads, conn: Any, profile_id: int, *, since: datetime,
          until: datetime) -> r.Diary:
    """``Store.diary`` (see there) over ``reads`` in the transaction of ``conn``."""
    since, until = utc("since", since), utc("until", until)
    reads.profile(conn, profile_id)
    return r.Diary(
        since=since,
        until=until,
        episodes=[e for e in reads.episodes(conn, profile_id)
                  if e.onset < until and (e.ended_at is None or e.ended_at >= since)],
        pain=reads.pain_entries(conn, profile_id, since, until),
        care=reads.care_entries(conn, profile_id, since, until),
    )


def episode_data(reads: Reads, conn: Any, profile_id: int, episode_id: int | None, *,
                 reach: timedelta) -> r.EpisodeData:
    """``Store.episode_data`` (see there) over ``reads`` in the transaction of ``conn``."""
    prof = reads.profile(conn, profile_id)
    eps = reads.episodes(conn, profile_id)
    if episode_id is not None:
        episode = next((e for e in eps if e.id == episode_id), None) \
            if is_id(episode_id) else None
        if episode is None:
            raise NotFoundError("episode", "an episode id of this profile", episode_id)
    else:
        episode = next((e for e in eps if e.ended_at is None), None) \
            or max(eps, key=lambda e: e.onset, default=None)
    if episode is None:
        return r.EpisodeData(prof, eps, None, [], [], [])
    until = None if episode.ended_at is None else episode.ended_at + timedelta(seconds=1)
    return r.EpisodeData(
        prof, eps, episode,
        pain=reads.pain_entries(conn, profile_id, episode.onset - reach, until),
        care=reads.care_entries(conn, profile_id, episode.onset, until),
        triages=reads.triage_records(conn, profile_id))
