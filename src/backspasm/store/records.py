"""Plain, immutable records returned by the store (never ORM rows).

Times are aware datetimes in UTC. These satisfy the protocols that
:mod:`backspasm.core.trends` reads, so the core never sees the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

TRIGGERS = ("lifting", "twisting", "sport", "sudden_movement", "fall", "unknown")


def __getattr__(name: str) -> tuple[str, ...]:
    """``CARE_KINDS``: the diary's care kinds, from plan.yaml (``Knowledge.vocabulary``),
    read on first use so that importing the store does not load the knowledge files."""
    if name == "CARE_KINDS":
        from backspasm.knowledge import load_knowledge

        return load_knowledge().vocabulary.care_kinds
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Profile:
    id: int
    key: str | None
    tz: str
    wake: time
    sleep: time
    #: ``None`` until the person chooses one (doors then use ``core.region``).
    region: str | None
    age: int | None
    created_at: datetime
    #: Random, never reused (ids may be, after ``forget`` on SQLite): seeds calendar UIDs
    #: and FHIR pseudonyms so nothing of one person passes to the next.
    pseudonym: str = ""
    #: Optional, only when the person gives them (the clinician's report, FHIR Patient).
    name: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True)
class Episode:
    id: int
    profile_id: int
    onset: datetime
    ended_at: datetime | None
    trigger: str | None

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class PainEntry:
    id: int
    profile_id: int
    at: datetime
    score: int
    note: str | None


@dataclass(frozen=True)
class CareEntry:
    id: int
    profile_id: int
    kind: str
    start: datetime
    minutes: int | None
    medicine: str | None
    note: str | None


@dataclass(frozen=True)
class TriageRecord:
    id: int
    profile_id: int
    at: datetime
    answers: dict[str, Any]
    level: str
    rules: list[str]
    knowledge_version: str
    #: Yes/no fields answered "not sure": they count as yes (not in ``answers``).
    unsure: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StatusData:
    """What ``status`` needs, read in one transaction."""

    profile: Profile
    episode: Episode | None
    #: Episodes whose onset lies in the look-back window (newest first).
    recent_episodes: list[Episode]
    #: Pain entries in the trend window (oldest first).
    recent_pain: list[PainEntry]
    latest_pain: PainEntry | None
    latest_triage: TriageRecord | None


@dataclass(frozen=True)
class Diary:
    """Entries of one profile in a time range, oldest first."""

    since: datetime
    until: datetime
    episodes: list[Episode] = field(default_factory=list)
    pain: list[PainEntry] = field(default_factory=list)
    care: list[CareEntry] = field(default_factory=list)


@dataclass(frozen=True)
class EpisodeData:
    """One episode and what its exports show, read in one transaction
    (:meth:`Store.episode_data <backspasm.store.repository.Store.episode_data>`)."""

    profile: Profile
    #: Every episode of the profile, oldest first.
    episodes: list[Episode]
    #: The episode asked for (else the open one, else the latest; ``None``: none at all).
    episode: Episode | None
    #: Pain entries from ``reach`` before its onset to its end, care entries from its onset
    #: to its end (oldest first), and every triage record of the profile (oldest first).
    pain: list[PainEntry]
    care: list[CareEntry]
    triages: list[TriageRecord]


@dataclass(frozen=True)
class Overview:
    """A profile's diary as a page and ``status`` need it, read in one transaction
    (:meth:`Store.overview <backspasm.store.repository.Store.overview>`)."""

    profile: Profile
    #: Every episode of the profile, oldest first.
    episodes: list[Episode]
    #: The diary window ``(since, until)`` asked for (``None``: none), and its pain and care
    #: entries, oldest first.
    window: tuple[datetime, datetime] | None
    pain: list[PainEntry]
    care: list[CareEntry]
    #: The look-back of ``status``, the pain entries at or after it (oldest first) and the
    #: latest entry before it.
    pain_since: datetime
    recent_pain: list[PainEntry]
    latest_pain: PainEntry | None
    latest_triage: TriageRecord | None

    @property
    def current(self) -> Episode | None:
        """The open episode (at most one is open)."""
        return next((e for e in self.episodes if e.ended_at is None), None)

    def status_data(self, episodes_since: datetime) -> StatusData:
        """What ``status`` reads, with the episodes whose onset is at or after
        ``episodes_since`` (newest first)."""
        recent = [e for e in reversed(self.episodes) if e.onset >= episodes_since]
        return StatusData(profile=self.profile, episode=self.current, recent_episodes=recent,
                          recent_pain=self.recent_pain, latest_pain=self.latest_pain,
                          latest_triage=self.latest_triage)
