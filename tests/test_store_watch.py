"""What a server keeps until the diary changes (store/watch.py, ``Store.kept_profile``):
every commit, from this process or another, is seen; nothing is kept across one."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from backspasm.store import open_store
from backspasm.store.watch import ChangeWatch, KeptUntilChange


def _diary(tmp_path):
    path = tmp_path / "d.db"
    store = open_store(f"sqlite:///{path}", pooled=True)
    return path, store, store.ensure_profile("local", tz="Europe/London").id


def test_every_commit_changes_the_number_and_nothing_else_does(tmp_path):
    path, store, pid = _diary(tmp_path)
    watch = ChangeWatch(str(path))
    try:
        first = watch.version()
        store.get_profile(pid)  # a read commits nothing
        assert watch.version() == first
        store.update_profile(pid, region="US")  # this process's pool
        second = watch.version()
        assert second != first
        code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                "c.execute(\"UPDATE profiles SET region = 'EU'\"); c.commit()")
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
        assert watch.version() != second  # another process
    finally:
        watch.close()
        store.close()


def test_a_value_read_while_a_commit_happens_is_read_again_next_time(tmp_path):
    path, store, pid = _diary(tmp_path)
    other = sqlite3.connect(path)
    reads: list[str] = []

    def read(key: int) -> str:
        value = "before" if not reads else "after"
        reads.append(value)
        if len(reads) == 1:  # a commit lands between the number asked and the value read
            other.execute("UPDATE profiles SET region = 'US'")
            other.commit()
        return value

    kept = KeptUntilChange(ChangeWatch(str(path)), read)
    try:
        assert kept.get(pid) == "before"
        assert kept.get(pid) == "after"  # not the value read during the commit
        assert kept.get(pid) == "after" and len(reads) == 2  # kept now
    finally:
        kept.watch.close()
        other.close()
        store.close()


def test_the_kept_profile_follows_every_change(tmp_path):
    path, store, pid = _diary(tmp_path)
    try:
        assert store.kept_profile(pid).region is None
        store.update_profile(pid, region="GB")
        assert store.kept_profile(pid).region == "GB"
        with open_store(f"sqlite:///{path}") as elsewhere:
            elsewhere.update_profile(pid, region="US")
        assert store.kept_profile(pid).region == "US"
        assert store.kept_profile(pid) == store.get_profile(pid)
    finally:
        store.close()


def test_postgresql_reads_the_profile_each_time(postgres_url):
    """No file to watch: every call reads (another server worker may have changed it)."""
    store = open_store(postgres_url)
    try:
        pid = store.ensure_profile("local").id
        assert store.kept_profile(pid).region is None
        with open_store(postgres_url) as elsewhere:
            elsewhere.update_profile(pid, region="US")
        assert store.kept_profile(pid).region == "US"
        assert store.watch() is None and store._kept_profiles is None
    finally:
        store.close()


def test_a_kept_journey_follows_every_save_and_still_expires(tmp_path):
    from datetime import UTC, datetime, timedelta

    from backspasm.store.journeys import Journeys

    path, store, pid = _diary(tmp_path)
    try:
        journeys = Journeys(store, timedelta(hours=1))
        now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
        journeys.save("k", "1", '{"a": 1}', now)
        reads: list[object] = []
        read = journeys._read
        journeys._kept._read = lambda this: reads.append(this) or read(this)
        assert journeys.load("k", "1", now) == '{"a": 1}'
        assert journeys.load("k", "1", now) == '{"a": 1}' and len(reads) == 1  # kept
        assert journeys.load("k", "2", now) is None  # another profile's: not found
        journeys.save("k", "1", '{"a": 2}', now + timedelta(minutes=5))
        assert journeys.load("k", "1", now) == '{"a": 2}'
        with sqlite3.connect(path) as other:  # another process ends it
            other.execute("DELETE FROM web_journeys")
        assert journeys.load("k", "1", now) is None
        journeys.save("k", "1", '{"a": 3}', now)
        assert journeys.load("k", "1", now) == '{"a": 3}'
        assert journeys.load("k", "1", now + timedelta(hours=2)) is None  # expired, though kept
    finally:
        store.close()


def test_made_up_keys_never_grow_what_is_kept_past_its_limit(tmp_path):
    path, store, pid = _diary(tmp_path)
    watch = ChangeWatch(str(path))
    kept = KeptUntilChange(watch, lambda key: None, limit=10)
    try:
        for n in range(100):
            assert kept.get(f"made-up {n}") is None
            assert len(kept._kept) <= 10
    finally:
        watch.close()
        store.close()
