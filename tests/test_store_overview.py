"""The store's one-transaction reads (``Store.overview``: what a diary page and ``status``
show) and the SQLite time column's fast reading, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from backspasm.store import NotFoundError

NOW = datetime.now(UTC).replace(microsecond=0)
LOOK_BACK = NOW - timedelta(hours=48)


def _diary(store):
    """An old, ended episode with entries, and an open one with 30 hours of scores."""
    p = store.create_profile(tz="Europe/London")
    store.start_episode(p.id, onset=NOW - timedelta(days=20), trigger="twisting")
    for h in range(0, 72, 6):
        store.log_pain(p.id, score=h % 11, at=NOW - timedelta(days=20) + timedelta(hours=h))
    store.log_care(p.id, kind="heat", start=NOW - timedelta(days=19), minutes=20)
    store.end_episode(p.id, at=NOW - timedelta(days=17))
    store.start_episode(p.id, onset=NOW - timedelta(hours=30), trigger="lifting")
    for h in range(30):
        store.log_pain(p.id, score=(h * 3) % 11, at=NOW - timedelta(hours=h, minutes=1))
    store.log_care(p.id, kind="ice", start=NOW - timedelta(hours=3), minutes=15)
    store.save_triage(p.id, answers={"age": 40}, level="self_care", rules=[],
                      knowledge_version="k", at=NOW - timedelta(hours=29))
    return p


def _pain_reads(store):
    """A list that collects the SQL of every statement reading pain entries."""
    seen: list[str] = []

    def note(conn, cursor, statement, params, context, many) -> None:
        if "FROM pain_entries" in statement:
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    return seen, lambda: event.remove(store.engine, "before_cursor_execute", note)


@pytest.mark.parametrize("window", ["open episode", "old episode", "later than look-back",
                                    "none"])
def test_overview_is_the_single_reads_in_one_transaction(store, window):
    p = _diary(store)
    old, current = store.episodes(p.id)
    spans = {"open episode": (current.onset, NOW + timedelta(seconds=1)),
             "old episode": (old.onset, old.ended_at + timedelta(seconds=1)),
             "later than look-back": (NOW - timedelta(hours=5), NOW + timedelta(seconds=1)),
             "none": None}
    span = spans[window]
    seen, stop = _pain_reads(store)
    try:
        got = store.overview(p.id, pain_since=LOOK_BACK,
                             window=None if span is None else lambda eps: span)
    finally:
        stop()
    assert got.profile == store.get_profile(p.id)
    assert got.episodes == [old, current] and got.current == current
    assert got.recent_pain == store.pain_entries(p.id, since=LOOK_BACK)
    assert got.latest_pain == store.pain_entries(p.id)[-1]
    assert got.latest_triage == store.latest_triage(p.id)
    if span is None:
        assert got.window is None and got.pain == [] and got.care == []
        assert len(seen) == 1
    else:
        assert got.window == span
        assert got.pain == store.pain_entries(p.id, since=span[0], until=span[1])
        assert got.care == store.care_entries(p.id, since=span[0], until=span[1])
        assert got.pain  # not vacuous
        # Every pain row is read once: one range read when the window meets the
        # look-back, two when it lies wholly before it.
        assert len(seen) == (2 if window == "old episode" else 1)
    data = got.status_data(NOW - timedelta(days=10))
    assert data.episode == current and data.recent_episodes == [current]
    assert data.recent_pain == got.recent_pain


def test_overview_of_a_quiet_diary_reads_the_latest_score_alone(store):
    """No score in the look-back: the latest one comes from a one-row read."""
    p = store.create_profile()
    store.log_pain(p.id, score=3, at=NOW - timedelta(days=5))
    store.log_pain(p.id, score=6, at=NOW - timedelta(days=4))
    got = store.overview(p.id, pain_since=LOOK_BACK)
    assert got.recent_pain == [] and got.latest_pain is not None and got.latest_pain.score == 6
    assert got.episodes == [] and got.current is None and got.latest_triage is None


def test_overview_window_may_refuse_and_profiles_stay_apart(store):
    a, b = store.create_profile(), store.create_profile()
    store.start_episode(a.id, onset=NOW - timedelta(hours=3))

    def no_such_episode(eps):
        raise NotFoundError("episode", "an episode id of this profile", 99)

    with pytest.raises(NotFoundError):
        store.overview(a.id, pain_since=LOOK_BACK, window=no_such_episode)
    assert store.overview(b.id, pain_since=LOOK_BACK).episodes == []
    with pytest.raises(NotFoundError):
        store.overview(10_000, pain_since=LOOK_BACK)


@pytest.mark.parametrize("text", [
    "2026-03-10 12:00:00.123456", "2026-03-10 12:00:00.000000", "2026-03-10 12:00:00",
    "2026-03-10 12:00", "2026-03-10T12:00:00", "2026-03-10", "2026-03-10 12:00:00+01:00",
    "0001-01-01 00:00:00.000000", "9999-12-31 23:59:59.999999",
])
def test_sqlite_times_are_read_as_sqlalchemy_read_them(text):
    """The fast reading of the time column gives what SQLAlchemy's DateTime parse followed
    by ``replace(tzinfo=UTC)`` gave (old diaries read the same)."""
    from sqlalchemy.dialects.sqlite import DATETIME

    from backspasm.store.engine import make_engine
    from backspasm.store.models import UTCDateTime

    fast = UTCDateTime().result_processor(make_engine("sqlite://").dialect, None)
    slow = DATETIME().result_processor(None, None)
    assert fast(text) == slow(text).replace(tzinfo=UTC)
    assert fast(text).tzinfo is UTC and fast(None) is None


def test_sqlite_keeps_storing_times_as_before(sqlite_url):
    """Naive UTC text with microseconds, as SQLAlchemy's SQLite DateTime writes it."""
    from backspasm.store import open_store

    with open_store(sqlite_url) as s:
        p = s.create_profile()
        at = datetime(2026, 3, 1, 9, 30, 15, 5, tzinfo=UTC) + timedelta(hours=1)
        s.log_pain(p.id, score=4, at=at.astimezone(UTC))
        [back] = s.pain_entries(p.id)
    conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    try:
        [(raw,)] = conn.execute("SELECT at FROM pain_entries").fetchall()
    finally:
        conn.close()
    assert raw == "2026-03-01 10:30:15.000005"
    assert back.at == at and back.at.tzinfo is UTC
