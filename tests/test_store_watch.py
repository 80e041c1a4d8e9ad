"""What a server keeps until the diary changes (store/watch.py, ``Store.kept_profile``):
every commit, from this process or another, is seen; nothing is kept across one."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

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


def _loops():
    import uvloop

    return [pytest.param(asyncio.new_event_loop, id="asyncio"),
            pytest.param(uvloop.new_event_loop, id="uvloop")]


def _on_a_thread_of_its_own(fn):
    """``fn()`` on a new thread: a loop may already run on this one (a browser test's)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def _counted(watch: ChangeWatch) -> list[int]:
    asked: list[int] = []
    ask = watch._ask

    def counted() -> int:
        asked.append(1)
        return ask()

    watch._ask = counted  # type: ignore[method-assign]
    return asked


@pytest.mark.parametrize("new_loop", _loops())
def test_on_a_loop_the_number_is_asked_once_a_turn(tmp_path, new_loop):
    path, store, pid = _diary(tmp_path)
    watch = store.watch()
    assert watch is not None
    asked = _counted(watch)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    async def turns() -> None:
        watch.share_turns(asyncio.get_running_loop())
        first = watch.version()
        other.execute("UPDATE profiles SET region = 'EU'")  # another connection commits
        assert watch.version() == first and len(asked) == 1  # the same turn: not asked
        await asyncio.sleep(0)
        second = watch.version()
        assert second != first and len(asked) == 2  # the next turn asks again
        store.update_profile(pid, region="US")  # this store commits: asked again at once
        assert watch.version() != second and len(asked) == 3

    def run() -> None:
        loop = new_loop()
        try:
            loop.run_until_complete(turns())
        finally:
            loop.close()

    try:
        _on_a_thread_of_its_own(run)
        assert watch.version() == watch.version() and len(asked) == 5  # off the loop: always
        watch.share_turns(None)

        async def elsewhere() -> None:  # a loop the watch was not given: every time
            watch.version(), watch.version()

        _on_a_thread_of_its_own(lambda: asyncio.run(elsewhere()))
        assert len(asked) == 7
    finally:
        other.close()
        store.close()


@pytest.mark.parametrize("new_loop", _loops())
def test_a_request_read_after_a_commit_always_sees_it(tmp_path, new_loop):
    # A loop kept busy asking every turn (the number is always shared), and a client in
    # another thread that commits, then sends a request: the request is always given a
    # number asked after that commit, on asyncio's loop and on uvloop's.
    path, store, _pid = _diary(tmp_path)
    watch = store.watch()
    assert watch is not None
    rounds = 300
    seen: list[tuple[int, int]] = []
    loop = new_loop()

    async def main() -> None:
        watch.share_turns(loop)
        stop = asyncio.Event()

        async def busy() -> None:
            while not stop.is_set():
                watch.version()
                await asyncio.sleep(0)

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while line := await reader.readline():
                seen.append((int(line), watch.version()))
                writer.write(b"ok\n")
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        spinner = asyncio.ensure_future(busy())

        def client() -> None:
            other = sqlite3.connect(path, isolation_level=None)
            with socket.create_connection(("127.0.0.1", port)) as conn:
                answers = conn.makefile("rb")
                for i in range(rounds):
                    other.execute("UPDATE profiles SET region = ?", ("EU" if i % 2 else "US",))
                    conn.sendall(b"%d\n" % i)
                    assert answers.readline() == b"ok\n"
            other.close()

        await loop.run_in_executor(None, client)
        stop.set()
        await spinner
        server.close()
        await server.wait_closed()

    try:
        _on_a_thread_of_its_own(lambda: loop.run_until_complete(main()))
    finally:
        loop.close()
        store.close()
    assert len(seen) == rounds
    numbers = [n for _, n in seen]
    # every request came after a commit of its own, so no two were given the same number
    assert len(set(numbers)) == rounds, numbers
