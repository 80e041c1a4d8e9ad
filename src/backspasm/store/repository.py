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
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from backspasm.store import records as r
from backspasm.store import rows, views
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
from backspasm.store.models import care_entries, episodes, new_pseudonym, pain_entries, profiles
from backspasm.store.models import triage_records as triage
from backspasm.store.schema import migrate

__all__ = ["Store", "open_store"]

#: The tables of a profile's diary, by the names ``forget`` and ``counts`` report.
_DIARY = (("episodes", episodes), ("pain", pain_entries), ("care", care_entries),
          ("triage", triage))
_PID = bindparam("pid")
_KEY_TAKEN = select(profiles.c.id).where(profiles.c.key == bindparam("key"))
_COUNTS = {name: select(func.count()).select_from(t).where(t.c.profile_id == _PID)
           for name, t in _DIARY}
_DELETES = {name: delete(t).where(t.c.profile_id == _PID) for name, t in _DIARY}
_DELETE_PROFILE = delete(profiles).where(profiles.c.id == _PID)
_INSERT_PROFILE = insert(profiles)
#: What :meth:`Store.update_profile` may change.
PROFILE_SETTINGS = ("tz", "wake", "sleep", "region", "age", "name", "birth_date")


class Store(Entries):
    """The diary database. Open with :func:`open_store`; close with :meth:`close`."""

    _kept_profiles: Any = None  # Store.kept_profile's, made on first use

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

        def go(conn: Connection) -> r.Profile:
            if key is not None and conn.execute(_KEY_TAKEN, {"key": key}).first():
                raise ConflictError("key", "a profile key not yet in use", key)
            row = {"key": key, "created_at": self.now(), "pseudonym": new_pseudonym(),
                   **values}
            new = rows.insert_one(conn, _INSERT_PROFILE, row)
            return rows.profile_of((new, row["key"], row["tz"], row["wake"], row["sleep"],
                                    row["region"], row["age"], row["created_at"],
                                    row["pseudonym"], None, None))

        return self.write(go)

    def get_profile(self, profile_id: int) -> r.Profile:
        with self.read() as conn:
            return rows.profile(conn, profile_id)

    def kept_profile(self, profile_id: int) -> r.Profile:
        """:meth:`get_profile`, kept until anything is committed to the diary by any
        process (:meth:`watch`; where there is nothing to watch, read each time): for a
        server that needs the profile on every request."""
        kept = self._kept_profiles
        if kept is None:
            watch = self.watch()
            if watch is None:
                return self.get_profile(profile_id)
            from backspasm.store.watch import KeptUntilChange

            def read(pid: int) -> r.Profile:
                return Store.get_profile(self, pid)

            kept = self._kept_profiles = KeptUntilChange[int, r.Profile](watch, read)
        return kept.get(profile_id)

    def profile_by_key(self, key: str) -> r.Profile | None:
        with self.read() as conn:
            return rows.profile_by_key(conn, key)

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
        """Change ``tz``, ``wake``, ``sleep``, ``region``, ``age``, ``name`` or ``birth_date``
        (the last two optional: ``None`` or blank clears them)."""
        unknown = set(changes) - set(PROFILE_SETTINGS)
        if unknown:
            raise StoreError(sorted(unknown)[0], "one of " + ", ".join(PROFILE_SETTINGS))
        values = profile_values(**changes)

        def go(conn: Connection) -> r.Profile:
            old = rows.profile(conn, profile_id)
            wake, sleep = values.get("wake", old.wake), values.get("sleep", old.sleep)
            if wake == sleep:  # sleep before wake: awake across midnight
                raise StoreError("wake", "a waking time other than the sleeping time", str(wake))
            if values:
                conn.execute(update(profiles).where(profiles.c.id == profile_id)
                             .values(**values))
            return rows.profile(conn, profile_id)

        return self.write(go)

    def forget(self, profile_id: int) -> dict[str, int]:
        """Delete the profile and everything in it, in one transaction. Returns row counts."""

        def go(conn: Connection) -> dict[str, int]:
            rows.profile(conn, profile_id)
            counts = {name: rows.changed(conn.execute(_DELETES[name], {"pid": profile_id}))
                      for name, _ in _DIARY}
            # Unfinished web triage journeys (answers: health data).
            counts["journeys"] = delete_profile_journeys(conn, profile_id)
            conn.execute(_DELETE_PROFILE, {"pid": profile_id})
            return counts

        return self.write(go)

    # -- views ---------------------------------------------------------------------------

    def overview(
        self,
        profile_id: int,
        *,
        pain_since: datetime,
        window: Callable[[list[r.Episode]], tuple[datetime, datetime]] | None = None,
        now: datetime | None = None,
    ) -> r.Overview:
        """What a diary page or ``status`` shows, read in one transaction, each row once:
        the profile, all its episodes, the pain entries at or after ``pain_since`` (the
        look-back of ``status``; the caller takes it from the knowledge thresholds), the
        latest pain entry (with ``now``: the latest at or before it) and triage record,
        and, when ``window`` is given, the pain and care entries in ``[since, until) =
        window(episodes)`` (the caller chooses the window from the episodes it sees; it
        may raise, e.g. :class:`NotFoundError`).
        """
        with self.read() as conn:
            return views.overview(rows, conn, profile_id, pain_since=pain_since,
                                  window=window, now=now)

    def episode_data(self, profile_id: int, episode_id: int | None, *,
                     reach: timedelta) -> r.EpisodeData:
        """What an episode's exports show, read in one transaction: the profile, its
        episodes, the episode ``episode_id`` (``None``: the open one, else the latest;
        :class:`NotFoundError` for an id not of this profile), its pain entries from
        ``reach`` before its onset to its end, its care entries, and every triage record."""
        with self.read() as conn:
            return views.episode_data(rows, conn, profile_id, episode_id, reach=reach)

    def status_data(
        self, profile_id: int, *, pain_since: datetime, episodes_since: datetime
    ) -> r.StatusData:
        """Everything ``status`` needs, read in one consistent transaction.

        ``pain_since``/``episodes_since`` are the look-back windows (the caller takes them
        from the knowledge thresholds; the store knows no clinical numbers).
        """
        return self.overview(profile_id, pain_since=pain_since).status_data(
            utc("episodes_since", episodes_since))

    def diary(self, profile_id: int, *, since: datetime, until: datetime) -> r.Diary:
        """Episodes overlapping, and entries inside, ``[since, until)`` — one transaction."""
        with self.read() as conn:
            return views.diary(rows, conn, profile_id, since=since, until=until)

    def counts(self, profile_id: int) -> dict[str, int]:
        """How many episodes, pain, care and triage rows the profile has."""
        with self.read() as conn:
            rows.profile(conn, profile_id)
            return {name: conn.execute(q, {"pid": profile_id}).scalar() or 0
                    for name, q in _COUNTS.items()}

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
