"""Episodes, pain and care entries, and triage records of a profile: the diary half of
:class:`~backspasm.store.repository.Store` (which adds profiles, views and export)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, update
from sqlalchemy.exc import IntegrityError

from backspasm.core.times import is_id
from backspasm.store import records as r
from backspasm.store import rows
from backspasm.store.checks import (
    MINUTES_MAX,
    choice,
    iso_utc,
    pain_values,
    past,
    text,
    unsure_names,
    whole_number,
)
from backspasm.store.errors import ConflictError, NotFoundError, StoreError
from backspasm.store.models import care_entries as care_t
from backspasm.store.models import episodes as episodes_t
from backspasm.store.models import pain_entries as pain_t
from backspasm.store.models import triage_records as triage_t
from backspasm.store.transactions import Transactions

__all__ = ["Entries"]

_END_EPISODE = (update(episodes_t).where(episodes_t.c.id == bindparam("eid"))
                .values(ended_at=bindparam("at")))
_DELETE = {kind: delete(t).where(t.c.profile_id == bindparam("pid"),
                                 t.c.id == bindparam("eid"))
           for kind, t in (("pain", pain_t), ("care", care_t))}


_INSERT = {t.name: insert(t) for t in (episodes_t, pain_t, care_t, triage_t)}


def _new_id(conn: Connection, table: Any, values: dict[str, Any]) -> int:
    """Insert one row; its new id."""
    return rows.insert_one(conn, _INSERT[table.name], values)


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

        def go(conn: Connection) -> r.Episode:
            rows.profile(conn, profile_id)
            if rows.open_episode(conn, profile_id) is not None:
                raise ConflictError("episode", "no open episode (end the current one first)")
            try:
                new = _new_id(conn, episodes_t, {"profile_id": profile_id, "onset": onset,
                                                 "ended_at": None, "trigger": trigger})
            except IntegrityError:  # a concurrent writer opened one (PostgreSQL)
                raise ConflictError(
                    "episode", "no open episode (end the current one first)"
                ) from None
            return r.Episode(new, profile_id, onset, None, trigger)

        return self.write(go)

    def end_episode(self, profile_id: int, *, at: datetime) -> r.Episode:
        """Close the open episode at ``at`` (not before its onset)."""
        at = past("at", at, self.now())

        def go(conn: Connection) -> r.Episode:
            rows.profile(conn, profile_id)
            ep = rows.open_episode(conn, profile_id)
            if ep is None:
                raise ConflictError("episode", "an open episode (start one first)")
            if at < ep.onset:  # well-formed, but clashes with the stored onset (409)
                raise ConflictError("at", f"a time after the episode's onset "
                                    f"({iso_utc(ep.onset)})", iso_utc(at))
            conn.execute(_END_EPISODE, {"eid": ep.id, "at": at})
            return r.Episode(ep.id, ep.profile_id, ep.onset, at, ep.trigger)

        return self.write(go)

    def current_episode(self, profile_id: int) -> r.Episode | None:
        with self.read() as conn:
            rows.profile(conn, profile_id)
            return rows.open_episode(conn, profile_id)

    def get_episode(self, profile_id: int, episode_id: int) -> r.Episode:
        with self.read() as conn:
            return rows.get_episode(conn, profile_id, episode_id)

    def episodes(self, profile_id: int, *, since: datetime | None = None) -> list[r.Episode]:
        """Episodes (oldest first), optionally only those with onset at or after ``since``."""
        with self.read() as conn:
            rows.profile(conn, profile_id)
            return rows.episodes(conn, profile_id, since)

    # -- entries -------------------------------------------------------------------------

    def log_pain(
        self, profile_id: int, *, score: int, at: datetime, note: str | None = None
    ) -> r.PainEntry:
        """Record pain on the 0–10 scale at ``at``."""
        score, at, note = pain_values(score, at, note, self.now())

        def go(conn: Connection) -> r.PainEntry:
            rows.profile(conn, profile_id)
            new = _new_id(conn, pain_t, {"profile_id": profile_id, "at": at, "score": score,
                                         "note": note})
            return r.PainEntry(new, profile_id, at, score, note)

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

        def go(conn: Connection) -> r.CareEntry:
            rows.profile(conn, profile_id)
            new = _new_id(conn, care_t, {"profile_id": profile_id, "kind": kind,
                                         "start": start, "minutes": minutes,
                                         "medicine": medicine, "note": note})
            return r.CareEntry(new, profile_id, kind, start, minutes, medicine, note)

        return self.write(go)

    def delete_entry(self, profile_id: int, kind: str, entry_id: int) -> None:
        """Delete one pain (``kind="pain"``) or care (``kind="care"``) entry of the profile."""
        statement = _DELETE.get(kind)
        if statement is None:
            raise StoreError("kind", "pain or care", kind)

        if not is_id(entry_id):
            raise NotFoundError("entry", f"a {kind} entry id of this profile", entry_id)

        def go(conn: Connection) -> None:
            res = conn.execute(statement, {"pid": profile_id, "eid": entry_id})
            if rows.changed(res) != 1:
                raise NotFoundError("entry", f"a {kind} entry id of this profile", entry_id)

        self.write(go)

    def pain_entries(
        self, profile_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[r.PainEntry]:
        """Pain entries in ``[since, until)``, oldest first."""
        with self.read() as conn:
            rows.profile(conn, profile_id)
            return rows.pain_entries(conn, profile_id, since, until)

    def care_entries(
        self, profile_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[r.CareEntry]:
        """Care entries starting in ``[since, until)``, oldest first."""
        with self.read() as conn:
            rows.profile(conn, profile_id)
            return rows.care_entries(conn, profile_id, since, until)

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

        def go(conn: Connection) -> r.TriageRecord:
            rows.profile(conn, profile_id)
            new = _new_id(conn, triage_t, {
                "profile_id": profile_id, "at": at, "answers": answers, "level": level,
                "rules": list(rules), "knowledge_version": knowledge_version,
                "unsure": unsure_list})
            return r.TriageRecord(new, profile_id, at, dict(answers), level, list(rules),
                                  knowledge_version, list(unsure_list))

        return self.write(go)

    def latest_triage(self, profile_id: int) -> r.TriageRecord | None:
        with self.read() as conn:
            rows.profile(conn, profile_id)
            return rows.latest_triage(conn, profile_id)

    def triage_records(self, profile_id: int) -> list[r.TriageRecord]:
        with self.read() as conn:
            rows.profile(conn, profile_id)
            return rows.triage_records(conn, profile_id)
