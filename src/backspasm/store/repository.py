"""The repository: the one API the CLI, the web app and the exports use for the diary.

Every method takes the profile id and sees only that profile's rows (a record of another
profile is "not found"). Every write is one transaction: it either happens whole or not
at all. Input is checked before anything is written; errors name the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from backspasm.core.times import RANGE_TEXT, in_range, is_id
from backspasm.store import records as r
from backspasm.store.engine import WRITE_OPTION, database_url, make_engine, retry_busy
from backspasm.store.errors import (
    ConflictError,
    DatabaseError,
    ImportFormatError,
    NotADatabaseError,
    NotFoundError,
    StoreError,
)
from backspasm.store.models import (
    CareRow,
    EpisodeRow,
    FeedTokenRow,
    PainRow,
    ProfileRow,
    TriageRow,
    UTCDateTime,
    web_journeys,
)
from backspasm.store.schema import migrate

T = TypeVar("T")

EXPORT_FORMAT = "backspasm-diary"
EXPORT_VERSION = 1
#: Times up to this far ahead of the store's clock are accepted (clocks of a phone and a
#: server differ a little); anything later is "in the future".
FUTURE_GRACE = timedelta(minutes=2)
NOTE_MAX = 2000
MINUTES_MAX = 24 * 60
#: What the ``region`` column holds while the person has not chosen one.
NO_REGION = ""


# --- checks (each raises StoreError naming the field) ---------------------------------

def _utc(field: str, value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise StoreError(field, "a date and time", type(value).__name__)
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(field, "a date and time with a time zone offset", value.isoformat())
    if not in_range(value):
        raise StoreError(field, f"a date and time {RANGE_TEXT}", value.isoformat())
    return value.astimezone(UTC)


def _past(field: str, value: Any, now: datetime) -> datetime:
    at = _utc(field, value)
    if at > now + FUTURE_GRACE:
        raise StoreError(field, "a time that is not in the future", _fmt(at))
    return at


def _int(field: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise StoreError(field, f"a whole number from {lo} to {hi}", value)
    return value


def _text(field: str, value: Any, limit: int = NOTE_MAX) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise StoreError(field, f"text of at most {limit} characters", type(value).__name__)
    if "\x00" in value:
        raise StoreError(field, "text without NUL characters", "text with a NUL character")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise StoreError(field, "text of valid Unicode characters", "a lone surrogate")
    return value if value.strip() else None


def _choice(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise StoreError(field, "one of " + ", ".join(allowed), value)
    return str(value)


def _tz(value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise StoreError("tz", "an IANA time zone name such as Europe/London", value) from None
    return str(value)


def _fmt(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _profile_values(**given: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "tz" in given:
        out["tz"] = _tz(given["tz"])
    for name in ("wake", "sleep"):
        if name in given:
            if not isinstance(given[name], time) or given[name].tzinfo is not None:
                raise StoreError(name, "a time of day such as 07:00", given[name])
            out[name] = given[name].replace(second=0, microsecond=0)
    if "region" in given:
        region = given["region"]
        if region is None:
            # Not chosen yet: the doors pick one from the time zone (core.region). Stored
            # as "" so the column stays NOT NULL and older databases need no migration.
            out["region"] = NO_REGION
        elif not isinstance(region, str) or not region.isalpha() or not 2 <= len(region) <= 8:
            raise StoreError("region", "a region code such as GB or US", region)
        else:
            out["region"] = region.upper()
    if "age" in given and given["age"] is not None:
        out["age"] = _int("age", given["age"], 0, 120)
    elif "age" in given:
        out["age"] = None
    if "wake" in out and "sleep" in out and out["wake"] >= out["sleep"]:
        raise StoreError("wake", "a waking time before the sleeping time", str(out["wake"]))
    return out


# --- row -> record --------------------------------------------------------------------

def _profile(row: ProfileRow) -> r.Profile:
    return r.Profile(row.id, row.key, row.tz, row.wake, row.sleep, row.region or None,
                     row.age, row.created_at, row.pseudonym or f"id{row.id}")


def _episode(row: EpisodeRow) -> r.Episode:
    return r.Episode(row.id, row.profile_id, row.onset, row.ended_at, row.trigger)


def _pain(row: PainRow) -> r.PainEntry:
    return r.PainEntry(row.id, row.profile_id, row.at, row.score, row.note)


def _care(row: CareRow) -> r.CareEntry:
    return r.CareEntry(row.id, row.profile_id, row.kind, row.start, row.minutes, row.medicine,
                       row.note)


def _triage(row: TriageRow) -> r.TriageRecord:
    return r.TriageRecord(row.id, row.profile_id, row.at, dict(row.answers), row.level,
                          list(row.rules), row.knowledge_version, list(row.unsure or []))


def _unsure(value: Any) -> list[str]:
    """The "not sure" field names as a sorted list without repeats, or StoreError."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise StoreError("unsure", "a list of answer field names", value)
    if not all(isinstance(x, str) and x for x in value):
        raise StoreError("unsure", "a list of answer field names", value)
    return sorted(set(value))


_PAIN_COLS = (PainRow.id, PainRow.profile_id, PainRow.at, PainRow.score, PainRow.note)
_CARE_COLS = (CareRow.id, CareRow.profile_id, CareRow.kind, CareRow.start, CareRow.minutes,
              CareRow.medicine, CareRow.note)


def _is_integrity_error(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - PostgreSQL support not installed
        return False
    return isinstance(exc, psycopg.IntegrityError)


def _copy_rows(conn: Any, model: Any, items: list[dict[str, Any]]) -> None:
    """PostgreSQL bulk load with COPY, in the caller's transaction (imports of 100,000
    entries: several times faster than batched INSERTs)."""
    cols = [c.name for c in model.__table__.columns if c.name != "id"]
    timestamps = {c.name for c in model.__table__.columns
                  if isinstance(c.type, UTCDateTime)}
    raw = conn.connection.driver_connection
    quoted = ", ".join(f'"{c}"' for c in cols)  # "trigger" and "at" need quoting
    sql = f"COPY {model.__tablename__} ({quoted}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for item in items:
            copy.write_row([
                (item[c].astimezone(UTC).replace(tzinfo=None)
                 if c in timestamps and item[c] is not None else item[c])
                for c in cols
            ])


class Store:
    """The diary database. Open with :func:`open_store`; close with :meth:`close`."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- plumbing ------------------------------------------------------------------------

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> datetime:
        return self._clock().astimezone(UTC)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    def _write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one write transaction; wait out a busy SQLite, never surface it."""

        def once() -> T:
            with Session(self._writer, expire_on_commit=False) as s, s.begin():
                return fn(s)

        try:
            return retry_busy(once)
        except OperationalError as exc:
            raise DatabaseError(f"the diary database failed: {exc.orig}") from None

    def _profile_row(self, s: Session, profile_id: int) -> ProfileRow:
        row = s.get(ProfileRow, profile_id) if is_id(profile_id) else None
        if row is None:
            raise NotFoundError("profile", "an existing profile id", profile_id)
        return row

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
        values = _profile_values(tz=tz, wake=wake, sleep=sleep, region=region, age=age)
        key = _text("key", key, 200)

        def go(s: Session) -> r.Profile:
            if key is not None and s.scalar(select(ProfileRow.id).where(ProfileRow.key == key)):
                raise ConflictError("key", "a profile key not yet in use", key)
            row = ProfileRow(key=key, created_at=self.now(), **values)
            s.add(row)
            s.flush()
            return _profile(row)

        return self._write(go)

    def get_profile(self, profile_id: int) -> r.Profile:
        with self._read() as s:
            return _profile(self._profile_row(s, profile_id))

    def profile_by_key(self, key: str) -> r.Profile | None:
        with self._read() as s:
            row = s.scalar(select(ProfileRow).where(ProfileRow.key == key))
            return None if row is None else _profile(row)

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
        values = _profile_values(**changes)

        def go(s: Session) -> r.Profile:
            row = self._profile_row(s, profile_id)
            for k, v in values.items():
                setattr(row, k, v)
            if row.wake >= row.sleep:
                raise StoreError("wake", "a waking time before the sleeping time", str(row.wake))
            s.flush()
            return _profile(row)

        return self._write(go)

    def forget(self, profile_id: int) -> dict[str, int]:
        """Delete the profile and everything in it, in one transaction. Returns row counts."""

        def go(s: Session) -> dict[str, int]:
            self._profile_row(s, profile_id)
            counts = {}
            for name, model in (("episodes", EpisodeRow), ("pain", PainRow), ("care", CareRow),
                                ("triage", TriageRow)):
                res = s.execute(delete(model).where(model.profile_id == profile_id))
                counts[name] = res.rowcount
            # Unfinished web triage journeys (answers: health data), keyed by the id's text.
            res = s.execute(delete(web_journeys).where(web_journeys.c.profile == str(profile_id)))
            counts["journeys"] = res.rowcount
            s.execute(delete(ProfileRow).where(ProfileRow.id == profile_id))
            return counts

        return self._write(go)

    # -- episodes ------------------------------------------------------------------------

    def start_episode(
        self, profile_id: int, *, onset: datetime, trigger: str | None = None
    ) -> r.Episode:
        """Open a new episode. Only one may be open at a time."""
        onset = _past("onset", onset, self.now())
        if trigger is not None:
            trigger = _choice("trigger", trigger, r.TRIGGERS)

        def go(s: Session) -> r.Episode:
            self._profile_row(s, profile_id)
            if self._open_row(s, profile_id) is not None:
                raise ConflictError("episode", "no open episode (end the current one first)")
            row = EpisodeRow(profile_id=profile_id, onset=onset, trigger=trigger)
            s.add(row)
            try:
                s.flush()
            except IntegrityError:  # a concurrent writer opened one (PostgreSQL)
                raise ConflictError(
                    "episode", "no open episode (end the current one first)"
                ) from None
            return _episode(row)

        return self._write(go)

    def end_episode(self, profile_id: int, *, at: datetime) -> r.Episode:
        """Close the open episode at ``at`` (not before its onset)."""
        at = _past("at", at, self.now())

        def go(s: Session) -> r.Episode:
            self._profile_row(s, profile_id)
            row = self._open_row(s, profile_id)
            if row is None:
                raise ConflictError("episode", "an open episode (start one first)")
            if at < row.onset:  # well-formed, but clashes with the stored onset (409)
                raise ConflictError("at", f"a time after the episode's onset "
                                    f"({_fmt(row.onset)})", _fmt(at))
            row.ended_at = at
            s.flush()
            return _episode(row)

        return self._write(go)

    @staticmethod
    def _open_row(s: Session, profile_id: int) -> EpisodeRow | None:
        return s.scalar(
            select(EpisodeRow).where(EpisodeRow.profile_id == profile_id,
                                     EpisodeRow.ended_at.is_(None))
        )

    def current_episode(self, profile_id: int) -> r.Episode | None:
        with self._read() as s:
            self._profile_row(s, profile_id)
            row = self._open_row(s, profile_id)
            return None if row is None else _episode(row)

    def get_episode(self, profile_id: int, episode_id: int) -> r.Episode:
        with self._read() as s:
            row = s.get(EpisodeRow, episode_id) if is_id(episode_id) else None
            if row is None or row.profile_id != profile_id:
                raise NotFoundError("episode", "an episode id of this profile", episode_id)
            return _episode(row)

    def episodes(self, profile_id: int, *, since: datetime | None = None) -> list[r.Episode]:
        """Episodes (oldest first), optionally only those with onset at or after ``since``."""
        with self._read() as s:
            self._profile_row(s, profile_id)
            q = select(EpisodeRow).where(EpisodeRow.profile_id == profile_id)
            if since is not None:
                q = q.where(EpisodeRow.onset >= _utc("since", since))
            return [_episode(x) for x in s.scalars(q.order_by(EpisodeRow.onset, EpisodeRow.id))]

    # -- entries -------------------------------------------------------------------------

    def log_pain(
        self, profile_id: int, *, score: int, at: datetime, note: str | None = None
    ) -> r.PainEntry:
        """Record pain on the 0–10 scale at ``at``."""
        score = _int("pain", score, 0, 10)
        at = _past("at", at, self.now())
        note = _text("note", note)

        def go(s: Session) -> r.PainEntry:
            self._profile_row(s, profile_id)
            row = PainRow(profile_id=profile_id, at=at, score=score, note=note)
            s.add(row)
            s.flush()
            return _pain(row)

        return self._write(go)

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
        kind = _choice("kind", kind, r.CARE_KINDS)
        start = _past("at", start, self.now())
        if minutes is not None:
            minutes = _int("minutes", minutes, 1, MINUTES_MAX)
        medicine = _text("medicine", medicine, 200)
        if kind == "medicine" and medicine is None:
            raise StoreError("medicine", "the name of the medicine taken")
        if kind != "medicine" and medicine is not None:
            raise StoreError("medicine", "no medicine name unless the kind is medicine", medicine)
        note = _text("note", note)

        def go(s: Session) -> r.CareEntry:
            self._profile_row(s, profile_id)
            row = CareRow(profile_id=profile_id, kind=kind, start=start, minutes=minutes,
                          medicine=medicine, note=note)
            s.add(row)
            s.flush()
            return _care(row)

        return self._write(go)

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
            if res.rowcount != 1:
                raise NotFoundError("entry", f"a {kind} entry id of this profile", entry_id)

        self._write(go)

    def pain_entries(
        self, profile_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[r.PainEntry]:
        """Pain entries in ``[since, until)``, oldest first."""
        with self._read() as s:
            self._profile_row(s, profile_id)
            return self._pain_rows(s, profile_id, since, until)

    def _pain_rows(self, s: Session, pid: int, since: datetime | None,
                   until: datetime | None) -> list[r.PainEntry]:
        # Plain column tuples, not ORM objects: several times faster for thousands of rows.
        q = select(*_PAIN_COLS).where(PainRow.profile_id == pid)
        if since is not None:
            q = q.where(PainRow.at >= _utc("since", since))
        if until is not None:
            q = q.where(PainRow.at < _utc("until", until))
        rows = s.connection().execute(q.order_by(PainRow.at, PainRow.id))
        return [r.PainEntry(*row) for row in rows]

    def care_entries(
        self, profile_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[r.CareEntry]:
        """Care entries starting in ``[since, until)``, oldest first."""
        with self._read() as s:
            self._profile_row(s, profile_id)
            return self._care_rows(s, profile_id, since, until)

    def _care_rows(self, s: Session, pid: int, since: datetime | None,
                   until: datetime | None) -> list[r.CareEntry]:
        q = select(*_CARE_COLS).where(CareRow.profile_id == pid)
        if since is not None:
            q = q.where(CareRow.start >= _utc("since", since))
        if until is not None:
            q = q.where(CareRow.start < _utc("until", until))
        rows = s.connection().execute(q.order_by(CareRow.start, CareRow.id))
        return [r.CareEntry(*row) for row in rows]

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
        at = _past("at", at, self.now())
        unsure_list = _unsure(unsure)
        if not isinstance(answers, dict):
            raise StoreError("answers", "a JSON object", type(answers).__name__)
        if not isinstance(level, str) or not level:
            raise StoreError("level", "a triage level", level)
        if not isinstance(rules, list) or not all(isinstance(x, str) for x in rules):
            raise StoreError("rules", "a list of rule ids", rules)
        if not isinstance(knowledge_version, str) or not knowledge_version:
            raise StoreError("knowledge_version", "a version string", knowledge_version)

        def go(s: Session) -> r.TriageRecord:
            self._profile_row(s, profile_id)
            row = TriageRow(profile_id=profile_id, at=at, answers=answers, level=level,
                            rules=list(rules), knowledge_version=knowledge_version,
                            unsure=unsure_list)
            s.add(row)
            s.flush()
            return _triage(row)

        return self._write(go)

    def latest_triage(self, profile_id: int) -> r.TriageRecord | None:
        with self._read() as s:
            self._profile_row(s, profile_id)
            return self._latest_triage(s, profile_id)

    @staticmethod
    def _latest_triage(s: Session, pid: int) -> r.TriageRecord | None:
        row = s.scalar(select(TriageRow).where(TriageRow.profile_id == pid)
                       .order_by(TriageRow.at.desc(), TriageRow.id.desc()).limit(1))
        return None if row is None else _triage(row)

    def triage_records(self, profile_id: int) -> list[r.TriageRecord]:
        with self._read() as s:
            self._profile_row(s, profile_id)
            q = select(TriageRow).where(TriageRow.profile_id == profile_id)
            return [_triage(x) for x in s.scalars(q.order_by(TriageRow.at, TriageRow.id))]

    # -- views ---------------------------------------------------------------------------

    def status_data(
        self, profile_id: int, *, pain_since: datetime, episodes_since: datetime
    ) -> r.StatusData:
        """Everything ``status`` needs, read in one consistent transaction.

        ``pain_since``/``episodes_since`` are the look-back windows (the caller takes them
        from the knowledge thresholds; the store knows no clinical numbers).
        """
        with self._read() as s:
            prof = _profile(self._profile_row(s, profile_id))
            open_row = self._open_row(s, profile_id)
            eps = s.scalars(
                select(EpisodeRow)
                .where(EpisodeRow.profile_id == profile_id,
                       EpisodeRow.onset >= _utc("episodes_since", episodes_since))
                .order_by(EpisodeRow.onset.desc(), EpisodeRow.id.desc())
            )
            latest = s.scalar(select(PainRow).where(PainRow.profile_id == profile_id)
                              .order_by(PainRow.at.desc(), PainRow.id.desc()).limit(1))
            return r.StatusData(
                profile=prof,
                episode=None if open_row is None else _episode(open_row),
                recent_episodes=[_episode(x) for x in eps],
                recent_pain=self._pain_rows(s, profile_id, pain_since, None),
                latest_pain=None if latest is None else _pain(latest),
                latest_triage=self._latest_triage(s, profile_id),
            )

    def diary(self, profile_id: int, *, since: datetime, until: datetime) -> r.Diary:
        """Episodes overlapping, and entries inside, ``[since, until)`` — one transaction."""
        since, until = _utc("since", since), _utc("until", until)
        with self._read() as s:
            self._profile_row(s, profile_id)
            eps = s.scalars(
                select(EpisodeRow)
                .where(EpisodeRow.profile_id == profile_id, EpisodeRow.onset < until,
                       (EpisodeRow.ended_at.is_(None)) | (EpisodeRow.ended_at >= since))
                .order_by(EpisodeRow.onset, EpisodeRow.id)
            )
            return r.Diary(
                since=since,
                until=until,
                episodes=[_episode(x) for x in eps],
                pain=self._pain_rows(s, profile_id, since, until),
                care=self._care_rows(s, profile_id, since, until),
            )

    def counts(self, profile_id: int) -> dict[str, int]:
        """How many episodes, pain, care and triage rows the profile has."""
        with self._read() as s:
            self._profile_row(s, profile_id)
            return {
                name: s.scalar(select(func.count()).select_from(model)
                               .where(model.profile_id == profile_id)) or 0
                for name, model in (("episodes", EpisodeRow), ("pain", PainRow),
                                    ("care", CareRow), ("triage", TriageRow))
            }

    # -- export / import -----------------------------------------------------------------

    def export_profile(self, profile_id: int) -> dict[str, Any]:
        """Everything of the profile as one JSON-ready document (see ``EXPORT_VERSION``)."""
        with self._read() as s:
            p = self._profile_row(s, profile_id)

            def rows(model: Any, *order: Any) -> Any:
                return s.scalars(select(model).where(model.profile_id == profile_id)
                                 .order_by(*order, model.id))

            return {
                "format": EXPORT_FORMAT,
                "version": EXPORT_VERSION,
                "profile": {"tz": p.tz, "wake": p.wake.strftime("%H:%M"),
                            "sleep": p.sleep.strftime("%H:%M"), "region": p.region or None,
                            "age": p.age},
                "episodes": [{"onset": _fmt(e.onset), "ended_at": _fmt(e.ended_at),
                              "trigger": e.trigger}
                             for e in rows(EpisodeRow, EpisodeRow.onset)],
                "pain": [{"at": _fmt(x.at), "score": x.score, "note": x.note}
                         for x in self._pain_rows(s, profile_id, None, None)],
                "care": [{"kind": c.kind, "start": _fmt(c.start), "minutes": c.minutes,
                          "medicine": c.medicine, "note": c.note}
                         for c in rows(CareRow, CareRow.start)],
                "triage": [{"at": _fmt(t.at), "answers": t.answers, "level": t.level,
                            "rules": t.rules, "knowledge_version": t.knowledge_version,
                            "unsure": list(t.unsure or [])}
                           for t in rows(TriageRow, TriageRow.at)],
            }

    def import_profile(
        self, profile_id: int, doc: Any, *, replace: bool = False
    ) -> dict[str, int]:
        """Load an export document into the profile, all or nothing.

        The profile's diary must be empty unless ``replace`` (then its old entries are
        deleted in the same transaction). Every item is checked first; an error names
        the item (``pain[12].score``) and nothing is written.
        """
        parsed = _parse_document(doc, self.now())

        def go(s: Session) -> dict[str, int]:
            self._profile_row(s, profile_id)
            models = (EpisodeRow, PainRow, CareRow, TriageRow)
            if replace:
                for model in models:
                    s.execute(delete(model).where(model.profile_id == profile_id))
            else:
                for model in models:
                    if s.scalar(select(model.id).where(model.profile_id == profile_id).limit(1)):
                        raise ConflictError(
                            "import", "an empty diary (use replace, or forget first)")
            s.execute(update(ProfileRow).where(ProfileRow.id == profile_id)
                      .values(**parsed["profile"]))
            conn = s.connection()
            for key, model in (("episodes", EpisodeRow), ("pain", PainRow),
                               ("care", CareRow), ("triage", TriageRow)):
                items = parsed[key]
                for item in items:
                    item["profile_id"] = profile_id
                try:
                    if conn.dialect.name == "postgresql" and model is not TriageRow:
                        _copy_rows(conn, model, items)
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
            return {k: len(parsed[k]) for k in ("episodes", "pain", "care", "triage")}

        return self._write(go)

    # -- calendar feed tokens (issue 5) ----------------------------------------------------

    @staticmethod
    def _token_hash(token: str) -> str:
        import hashlib

        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def new_feed_token(self, profile_id: int) -> str:
        """A new secret feed token (256 random bits) for the profile; any old one stops working.

        Only its hash is stored, so the token is shown once, when it is made.
        """
        import secrets

        token = secrets.token_urlsafe(32)

        def go(s: Session) -> str:
            self._profile_row(s, profile_id)
            s.execute(delete(FeedTokenRow).where(FeedTokenRow.profile_id == profile_id))
            s.add(FeedTokenRow(profile_id=profile_id, token_hash=self._token_hash(token),
                               created_at=self.now()))
            return token

        return self._write(go)

    def revoke_feed_token(self, profile_id: int) -> bool:
        """Stop the profile's feed. True if there was one."""

        def go(s: Session) -> bool:
            self._profile_row(s, profile_id)
            res = s.execute(delete(FeedTokenRow).where(FeedTokenRow.profile_id == profile_id))
            return bool(res.rowcount)

        return self._write(go)

    def feed_token_created(self, profile_id: int) -> datetime | None:
        """When the profile's live feed token was made (None: no feed)."""
        with self._read() as s:
            self._profile_row(s, profile_id)
            q = select(FeedTokenRow.created_at).where(FeedTokenRow.profile_id == profile_id)
            return s.scalar(q)

    def profile_for_feed_token(self, token: str) -> int | None:
        """The profile a feed token belongs to, or None (unknown, revoked or malformed)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        with self._read() as s:
            q = select(FeedTokenRow.profile_id).where(
                FeedTokenRow.token_hash == self._token_hash(token))
            return s.scalar(q)


def _parse_document(doc: Any, now: datetime) -> dict[str, Any]:
    """Check a whole export document; return insertable values or raise ImportFormatError."""

    def bad(err: StoreError, where: str) -> ImportFormatError:
        return ImportFormatError(f"{where}.{err.field}" if where else err.field, err.expected,
                                 err.got)

    if not isinstance(doc, dict):
        raise ImportFormatError("document", "a JSON object")
    if doc.get("format") != EXPORT_FORMAT:
        raise ImportFormatError("format", f'"{EXPORT_FORMAT}"', doc.get("format"))
    if doc.get("version") != EXPORT_VERSION:
        raise ImportFormatError("version", str(EXPORT_VERSION), doc.get("version"))
    extra = set(doc) - {"format", "version", "profile", "episodes", "pain", "care", "triage"}
    if extra:
        raise ImportFormatError(sorted(extra)[0], "no such field in a diary export")

    def obj(where: str, item: Any, fields: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise ImportFormatError(where, "a JSON object")
        unknown = set(item) - fields
        if unknown:
            raise ImportFormatError(f"{where}.{sorted(unknown)[0]}", "no such field")
        missing = required - set(item)
        if missing:
            raise ImportFormatError(f"{where}.{sorted(missing)[0]}", "a value (it is required)")
        return item

    def when(field: str, value: Any) -> datetime:
        if not isinstance(value, str):
            raise StoreError(field, "an RFC 3339 date-time string", value)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise StoreError(field, "an RFC 3339 date-time string", value) from None
        if parsed.tzinfo is not None and not in_range(parsed):
            raise StoreError(field, f"a date and time {RANGE_TEXT}", value)
        return _past(field, parsed, now)

    def hhmm(field: str, value: Any) -> time:
        try:
            return time.fromisoformat(value)
        except (TypeError, ValueError):
            raise StoreError(field, "a time of day such as 07:00", value) from None

    def lst(key: str) -> list[Any]:
        value = doc.get(key, [])
        if not isinstance(value, list):
            raise ImportFormatError(key, "a list")
        return value

    out: dict[str, Any] = {}
    p = obj("profile", doc.get("profile"), {"tz", "wake", "sleep", "region", "age"},
            {"tz", "wake", "sleep", "region"})
    try:
        profile = {"tz": _tz(p["tz"]), "wake": hhmm("wake", p["wake"]),
                   "sleep": hhmm("sleep", p["sleep"]), "region": p["region"],
                   "age": p.get("age")}
        profile = _profile_values(**profile)
    except ImportFormatError:
        raise
    except StoreError as err:
        raise bad(err, "profile") from None
    out["profile"] = profile

    def each(key: str, fields: set[str], required: set[str],
             conv: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        values = []
        for i, item in enumerate(lst(key)):
            where = f"{key}[{i}]"
            item = obj(where, item, fields, required)
            try:
                values.append(conv(item))
            except ImportFormatError:
                raise
            except StoreError as err:
                raise bad(err, where) from None
        out[key] = values

    def episode(x: dict[str, Any]) -> dict[str, Any]:
        onset = when("onset", x["onset"])
        ended = None if x.get("ended_at") is None else when("ended_at", x["ended_at"])
        if ended is not None and ended < onset:
            raise StoreError("ended_at", "a time after the onset", x["ended_at"])
        trig = x.get("trigger")
        return {"onset": onset, "ended_at": ended,
                "trigger": None if trig is None else _choice("trigger", trig, r.TRIGGERS)}

    def pain(x: dict[str, Any]) -> dict[str, Any]:
        return {"at": when("at", x["at"]), "score": _int("score", x["score"], 0, 10),
                "note": _text("note", x.get("note"))}

    def care(x: dict[str, Any]) -> dict[str, Any]:
        kind = _choice("kind", x["kind"], r.CARE_KINDS)
        minutes = x.get("minutes")
        medicine = _text("medicine", x.get("medicine"), 200)
        if kind == "medicine" and medicine is None:
            raise StoreError("medicine", "the name of the medicine taken")
        return {"kind": kind, "start": when("start", x["start"]),
                "minutes": None if minutes is None else _int("minutes", minutes, 1, MINUTES_MAX),
                "medicine": medicine, "note": _text("note", x.get("note"))}

    def triage(x: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(x["answers"], dict):
            raise StoreError("answers", "a JSON object")
        if not isinstance(x["level"], str) or not x["level"]:
            raise StoreError("level", "a triage level", x["level"])
        if not isinstance(x["rules"], list) or not all(isinstance(v, str) for v in x["rules"]):
            raise StoreError("rules", "a list of rule ids")
        if not isinstance(x["knowledge_version"], str):
            raise StoreError("knowledge_version", "a version string")
        return {"at": when("at", x["at"]), "answers": x["answers"], "level": x["level"],
                "rules": x["rules"], "knowledge_version": x["knowledge_version"],
                "unsure": _unsure(x.get("unsure", []))}

    each("episodes", {"onset", "ended_at", "trigger"}, {"onset"}, episode)
    each("pain", {"at", "score", "note"}, {"at", "score"}, pain)
    each("care", {"kind", "start", "minutes", "medicine", "note"}, {"kind", "start"}, care)
    # "unsure" came later (migration 0005): optional, so older version-1 documents import.
    each("triage", {"at", "answers", "level", "rules", "knowledge_version", "unsure"},
         {"at", "answers", "level", "rules", "knowledge_version"}, triage)
    if sum(1 for e in out["episodes"] if e["ended_at"] is None) > 1:
        raise ImportFormatError("episodes", "at most one open episode (without ended_at)")
    return out


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
