"""Episodes, pain and care entries, and triage records of a profile: the diary half of
:class:`~backspasm.store.repository.Store` (which adds profiles, views and export)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backspasm.core.times import is_id
from backspasm.store import records as r
from backspasm.store import rows
from backspasm.store.checks import (
    MINUTES_MAX,
    choice,
    iso_utc,
    past,
    text,
    unsure_names,
    utc,
    whole_number,
)
from backspasm.store.errors import ConflictError, NotFoundError, StoreError
from backspasm.store.models import CareRow, EpisodeRow, PainRow, TriageRow
from backspasm.store.transactions import Transactions

__all__ = ["Entries"]


class Entries(Transactions):
    """Diary methods; each takes the profile id and sees only that profile's rows."""

    # -- episodes ------------------------------------------------------------------------

    def start_episode(
        self, profile_id: int, *, onset: datetime, trigger: str | None = None
    ) -> r.Episode:
        """Open a new episode. Only one may be open at a time."""
        onset = past("onset", onset, self.now())
        if trigger is not None:
            trigger = choice("trigger", trigger, r.TRIGGERS)

        def go(s: Session) -> r.Episode:
            rows.profile_row(s, profile_id)
            if rows.open_episode_row(s, profile_id) is not None:
                raise ConflictError("episode", "no open episode (end the current one first)")
            row = EpisodeRow(profile_id=profile_id, onset=onset, trigger=trigger)
            s.add(row)
            try:
                s.flush()
            except IntegrityError:  # a concurrent writer opened one (PostgreSQL)
                raise ConflictError(
                    "episode", "no open episode (end the current one first)"
                ) from None
            return rows.episode(row)

        return self.write(go)

    def end_episode(self, profile_id: int, *, at: datetime) -> r.Episode:
        """Close the open episode at ``at`` (not before its onset)."""
        at = past("at", at, self.now())

        def go(s: Session) -> r.Episode:
            rows.profile_row(s, profile_id)
            row = rows.open_episode_row(s, profile_id)
            if row is None:
                raise ConflictError("episode", "an open episode (start one first)")
            if at < row.onset:  # well-formed, but clashes with the stored onset (409)
                raise ConflictError("at", f"a time after the episode's onset "
                                    f"({iso_utc(row.onset)})", iso_utc(at))
            row.ended_at = at
            s.flush()
            return rows.episode(row)

        return self.write(go)

    def current_episode(self, profile_id: int) -> r.Episode | None:
        with self.read() as s:
            rows.profile_row(s, profile_id)
            row = rows.open_episode_row(s, profile_id)
            return None if row is None else rows.episode(row)

    def get_episode(self, profile_id: int, episode_id: int) -> r.Episode:
        with self.read() as s:
            row = s.get(EpisodeRow, episode_id) if is_id(episode_id) else None
            if row is None or row.profile_id != profile_id:
                raise NotFoundError("episode", "an episode id of this profile", episode_id)
            return rows.episode(row)

    def episodes(self, profile_id: int, *, since: datetime | None = None) -> list[r.Episode]:
        """Episodes (oldest first), optionally only those with onset at or after ``since``."""
        with self.read() as s:
            rows.profile_row(s, profile_id)
            q = select(EpisodeRow).where(EpisodeRow.profile_id == profile_id)
            if since is not None:
                q = q.where(EpisodeRow.onset >= utc("since", since))
            return [rows.episode(x) for x in s.scalars(q.order_by(EpisodeRow.onset, EpisodeRow.id))]

    # -- entries -------------------------------------------------------------------------

    def log_pain(
        self, profile_id: int, *, score: int, at: datetime, note: str | None = None
    ) -> r.PainEntry:
        """Record pain on the 0–10 scale at ``at``."""
        score = whole_number("pain", score, 0, 10)
        at = past("at", at, self.now())
        note = text("note", note)

        def go(s: Session) -> r.PainEntry:
            rows.profile_row(s, profile_id)
            row = PainRow(profile_id=profile_id, at=at, score=score, note=note)
            s.add(row)
            s.flush()
            return rows.pain(row)

        return self.write(go)

    def log_care(
        self,
        profile_id: int,
        *,
        kind: str,
        start: datetime,
        minutes: int | None = None,
        medicine: str | None = None,
        note: str | None = None,
    ) -> r.CareEntry:
        """Record care taken: ice, heat, contrast, stretch, medicine (name) or other."""
        kind = choice("kind", kind, r.CARE_KINDS)
        start = past("at", start, self.now())
        if minutes is not None:
            minutes = whole_number("minutes", minutes, 1, MINUTES_MAX)
        medicine = text("medicine", medicine, 200)
        if kind == "medicine" and medicine is None:
            raise StoreError("medicine", "the name of the medicine taken")
        if kind != "medicine" and medicine is not None:
            raise StoreError("medicine", "no medicine name unless the kind is medicine", medicine)
        note = text("note", note)

        def go(s: Session) -> r.CareEntry:
            rows.profile_row(s, profile_id)
            row = CareRow(profile_id=profile_id, kind=kind, start=start, minutes=minutes,
                          medicine=medicine, note=note)
            s.add(row)
            s.flush()
            return rows.care(row)

        return self.write(go)

    def delete_entry(self, profile_id: int, kind: str, entry_id: int) -> None:
        """Delete one pain (``kind="pain"``) or care (``kind="care"``) entry of the profile."""
        model = {"pain": PainRow, "care": CareRow}.get(kind)
        if model is None:
            raise StoreError("kind", "pain or care", kind)

        if not is_id(entry_id):
            raise NotFoundError("entry", f"a {kind} entry id of this profile", entry_id)

        def go(s: Session) -> None:
            res = s.execute(delete(model).where(model.profile_id == profile_id,
                                                model.id == entry_id))
            if rows.changed(res) != 1:
                raise NotFoundError("entry", f"a {kind} entry id of this profile", entry_id)

        self.write(go)

    def pain_entries(
        self, profile_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[r.PainEntry]:
        """Pain entries in ``[since, until)``, oldest first."""
        with self.read() as s:
            rows.profile_row(s, profile_id)
            return rows.pain_entries(s, profile_id, since, until)

    def care_entries(
        self, profile_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[r.CareEntry]:
        """Care entries starting in ``[since, until)``, oldest first."""
        with self.read() as s:
            rows.profile_row(s, profile_id)
            return rows.care_entries(s, profile_id, since, until)

    # -- triage records ------------------------------------------------------------------

    def save_triage(
        self,
        profile_id: int,
        *,
        answers: dict[str, Any],
        level: str,
        rules: list[str],
        knowledge_version: str,
        at: datetime,
        unsure: list[str] | tuple[str, ...] | frozenset[str] | set[str] = (),
    ) -> r.TriageRecord:
        """Keep a triage result: the answers as given (the contract's JSON), level, rule ids.

        ``unsure`` names the yes/no fields answered "not sure" (triage counted them as yes).
        """
        at = past("at", at, self.now())
        unsure_list = unsure_names(unsure)
        if not isinstance(answers, dict):
            raise StoreError("answers", "a JSON object", type(answers).__name__)
        if not isinstance(level, str) or not level:
            raise StoreError("level", "a triage level", level)
        if not isinstance(rules, list) or not all(isinstance(x, str) for x in rules):
            raise StoreError("rules", "a list of rule ids", rules)
        if not isinstance(knowledge_version, str) or not knowledge_version:
            raise StoreError("knowledge_version", "a version string", knowledge_version)

        def go(s: Session) -> r.TriageRecord:
            rows.profile_row(s, profile_id)
            row = TriageRow(profile_id=profile_id, at=at, answers=answers, level=level,
                            rules=list(rules), knowledge_version=knowledge_version,
                            unsure=unsure_list)
            s.add(row)
            s.flush()
            return rows.triage(row)

        return self.write(go)

    def latest_triage(self, profile_id: int) -> r.TriageRecord | None:
        with self.read() as s:
            rows.profile_row(s, profile_id)
            return rows.latest_triage(s, profile_id)

    def triage_records(self, profile_id: int) -> list[r.TriageRecord]:
        with self.read() as s:
            rows.profile_row(s, profile_id)
            q = select(TriageRow).where(TriageRow.profile_id == profile_id)
            return [rows.triage(x) for x in s.scalars(q.order_by(TriageRow.at, TriageRow.id))]

