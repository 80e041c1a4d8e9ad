"""The repository: the one API the CLI, the web app and the exports use for the diary.

Every method takes the profile id and sees only that profile's rows (a record of another
profile is "not found"). Every write is one transaction: it either happens whole or not
at all. Input is checked before anything is written (:mod:`backspasm.store.checks`);
errors name the field.

:class:`Store` is built in layers: :class:`~backspasm.store.transactions.Transactions`
(engine, clock, ``read``/``write``), :class:`~backspasm.store.entries.Entries` (episodes,
entries, triage records), and here profiles, views and export/import. Over the same
transactions, beside it: :mod:`backspasm.store.accounts`, :mod:`backspasm.store.feeds`,
:mod:`backspasm.store.journeys`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backspasm.store import records as r
from backspasm.store import rows
from backspasm.store.checks import profile_values, text, utc
from backspasm.store.engine import database_url, make_engine, retry_busy
from backspasm.store.entries import Entries
from backspasm.store.errors import (
    ConflictError,
    DatabaseError,
    NotADatabaseError,
    StoreError,
)
from backspasm.store.journeys import delete_profile_journeys
from backspasm.store.models import (
    CareRow,
    EpisodeRow,
    PainRow,
    ProfileRow,
    TriageRow,
)
from backspasm.store.schema import migrate

__all__ = ["Store", "open_store"]


class Store(Entries):
    """The diary database. Open with :func:`open_store`; close with :meth:`close`."""

    # -- profiles ------------------------------------------------------------------------

    def create_profile(
        self,
        *,
        key: str | None = None,
        tz: str = "UTC",
        wake: time = time(7),
        sleep: time = time(22),
        region: str | None = None,
        age: int | None = None,
    ) -> r.Profile:
        """A new profile. ``key`` is an optional unique handle (e.g. ``"local"``, a user id).
        ``region=None``: not chosen yet (``Profile.region`` is ``None``)."""
        values = profile_values(tz=tz, wake=wake, sleep=sleep, region=region, age=age)
        key = text("key", key, 200)

        def go(s: Session) -> r.Profile:
            if key is not None and s.scalar(select(ProfileRow.id).where(ProfileRow.key == key)):
                raise ConflictError("key", "a profile key not yet in use", key)
            row = ProfileRow(key=key, created_at=self.now(), **values)
            s.add(row)
            s.flush()
            return rows.profile(row)

        return self.write(go)

    def get_profile(self, profile_id: int) -> r.Profile:
        with self.read() as s:
            return rows.profile(rows.profile_row(s, profile_id))

    def profile_by_key(self, key: str) -> r.Profile | None:
        with self.read() as s:
            row = s.scalar(select(ProfileRow).where(ProfileRow.key == key))
            return None if row is None else rows.profile(row)

    def ensure_profile(self, key: str, **defaults: Any) -> r.Profile:
        """The profile with ``key``, created with ``defaults`` if it does not exist yet."""
        found = self.profile_by_key(key)
        if found is not None:
            return found
        try:
            return self.create_profile(key=key, **defaults)
        except (ConflictError, IntegrityError):  # another process created it just now
            found = self.profile_by_key(key)
            if found is None:
                raise
            return found

    def update_profile(self, profile_id: int, **changes: Any) -> r.Profile:
        """Change ``tz``, ``wake``, ``sleep``, ``region`` or ``age``."""
        unknown = set(changes) - {"tz", "wake", "sleep", "region", "age"}
        if unknown:
            raise StoreError(sorted(unknown)[0], "one of tz, wake, sleep, region, age")
        values = profile_values(**changes)

        def go(s: Session) -> r.Profile:
            row = rows.profile_row(s, profile_id)
            for k, v in values.items():
                setattr(row, k, v)
            if row.wake >= row.sleep:
                raise StoreError("wake", "a waking time before the sleeping time", str(row.wake))
            s.flush()
            return rows.profile(row)

        return self.write(go)

    def forget(self, profile_id: int) -> dict[str, int]:
        """Delete the profile and everything in it, in one transaction. Returns row counts."""

        def go(s: Session) -> dict[str, int]:
            rows.profile_row(s, profile_id)
            counts = {}
            for name, model in (("episodes", EpisodeRow), ("pain", PainRow), ("care", CareRow),
                                ("triage", TriageRow)):
                res = s.execute(delete(model).where(model.profile_id == profile_id))
                counts[name] = rows.changed(res)
            # Unfinished web triage journeys (answers: health data).
            counts["journeys"] = delete_profile_journeys(s, profile_id)
            s.execute(delete(ProfileRow).where(ProfileRow.id == profile_id))
            return counts

        return self.write(go)

    # -- views ---------------------------------------------------------------------------

    def status_data(
        self, profile_id: int, *, pain_since: datetime, episodes_since: datetime
    ) -> r.StatusData:
        """Everything ``status`` needs, read in one consistent transaction.

        ``pain_since``/``episodes_since`` are the look-back windows (the caller takes them
        from the knowledge thresholds; the store knows no clinical numbers).
        """
        with self.read() as s:
            prof = rows.profile(rows.profile_row(s, profile_id))
            open_row = rows.open_episode_row(s, profile_id)
            eps = s.scalars(
                select(EpisodeRow)
                .where(EpisodeRow.profile_id == profile_id,
                       EpisodeRow.onset >= utc("episodes_since", episodes_since))
                .order_by(EpisodeRow.onset.desc(), EpisodeRow.id.desc())
            )
            latest = s.scalar(select(PainRow).where(PainRow.profile_id == profile_id)
                              .order_by(PainRow.at.desc(), PainRow.id.desc()).limit(1))
            return r.StatusData(
                profile=prof,
                episode=None if open_row is None else rows.episode(open_row),
                recent_episodes=[rows.episode(x) for x in eps],
                recent_pain=rows.pain_entries(s, profile_id, pain_since, None),
                latest_pain=None if latest is None else rows.pain(latest),
                latest_triage=rows.latest_triage(s, profile_id),
            )

    def diary(self, profile_id: int, *, since: datetime, until: datetime) -> r.Diary:
        """Episodes overlapping, and entries inside, ``[since, until)`` — one transaction."""
        since, until = utc("since", since), utc("until", until)
        with self.read() as s:
            rows.profile_row(s, profile_id)
            eps = s.scalars(
                select(EpisodeRow)
                .where(EpisodeRow.profile_id == profile_id, EpisodeRow.onset < until,
                       (EpisodeRow.ended_at.is_(None)) | (EpisodeRow.ended_at >= since))
                .order_by(EpisodeRow.onset, EpisodeRow.id)
            )
            return r.Diary(
                since=since,
                until=until,
                episodes=[rows.episode(x) for x in eps],
                pain=rows.pain_entries(s, profile_id, since, until),
                care=rows.care_entries(s, profile_id, since, until),
            )

    def counts(self, profile_id: int) -> dict[str, int]:
        """How many episodes, pain, care and triage rows the profile has."""
        with self.read() as s:
            rows.profile_row(s, profile_id)
            return {
                name: s.scalar(select(func.count()).select_from(model)
                               .where(model.profile_id == profile_id)) or 0
                for name, model in (("episodes", EpisodeRow), ("pain", PainRow),
                                    ("care", CareRow), ("triage", TriageRow))
            }

    # -- export / import (backspasm.store.portable) ------------------------------------

    def export_profile(self, profile_id: int) -> dict[str, Any]:
        """Everything of the profile as one JSON-ready document
        (:func:`backspasm.store.portable.export_profile`)."""
        from backspasm.store import portable

        return portable.export_profile(self, profile_id)

    def import_profile(
        self, profile_id: int, doc: Any, *, replace: bool = False
    ) -> dict[str, int]:
        """Load an export document into the profile, all or nothing
        (:func:`backspasm.store.portable.import_profile`)."""
        from backspasm.store import portable

        return portable.import_profile(self, profile_id, doc, replace=replace)


def open_store(
    url: str | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    pooled: bool = False,
) -> Store:
    """Open (creating and migrating as needed) the diary at ``url``.

    ``url`` defaults to ``$BACKSPASM_DATABASE_URL``, then SQLite in the user data directory.
    ``clock`` replaces the wall clock used to reject future times (tests). ``pooled`` keeps
    SQLite connections open between calls (for a long-lived server process).
    """
    from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = make_engine(database_url(url), pooled=pooled)
    except NotADatabaseError:
        raise
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise DatabaseError(f"cannot use the database URL: {exc}") from None
    try:
        retry_busy(lambda: migrate(engine))
    except SQLAlchemyDatabaseError as exc:  # also "file is not a database" (not Operational)
        engine.dispose()
        raise DatabaseError(f"cannot open the diary database: {exc.orig}") from None
    except SQLAlchemyError as exc:  # e.g. a damaged file behind a valid header
        engine.dispose()
        raise NotADatabaseError(f"{database_url(url)}: {getattr(exc, 'orig', exc)}; "
                                "nothing was changed") from None
    return Store(engine, clock=clock)
