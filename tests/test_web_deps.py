"""The request dependencies: the cheap ones run on the event loop (``async def``: a plain
``def`` costs a worker-thread hop per request), the worker threads are capped, and a page
reads the person's profile once."""

from __future__ import annotations

import inspect

import anyio.to_thread
import pytest

from backspasm.web import deps
from backspasm.web.app import WORKER_THREADS
from backspasm.web.auth import guard
from web_helpers import make_client


@pytest.mark.parametrize("dependency", [deps.get_kb, deps.get_now, deps.get_profile_id,
                                        deps.get_optional_profile_id, deps.request_now,
                                        guard])
def test_cheap_dependencies_are_coroutines(dependency):
    assert inspect.iscoroutinefunction(dependency)


def test_the_worker_thread_limit_is_set_at_start_up(tmp_path):
    with make_client(tmp_path) as client:  # runs the lifespan
        assert client.get("/").status_code == 200

        async def tokens() -> float:
            return anyio.to_thread.current_default_thread_limiter().total_tokens

        # at least two: a slow request (a PDF report) never holds every other page
        assert client.portal.call(tokens) == WORKER_THREADS and 2 <= WORKER_THREADS < 40


@pytest.mark.parametrize("path", ["/", "/plan", "/learn", "/timer/ice"])
def test_a_page_reads_the_profile_once(tmp_path, path):
    # Worked out afresh each time (a kept page reads nothing: test_web_kept.py).
    client = make_client(tmp_path, keep_pages=False)
    client.post("/plan/onset", data={"hours": "30"})
    store = client.app.state.store
    calls: list[tuple[str, int]] = []
    # Every way a page reads the profile: alone (kept until the diary changes, or not), or
    # in the one Store.overview of /plan.
    for name in ("get_profile", "kept_profile", "overview"):
        read = getattr(store, name)

        def counted(profile_id, *a, _read=read, _name=name, **kw):
            calls.append((_name, profile_id))
            return _read(profile_id, *a, **kw)

        setattr(store, name, counted)
    assert client.get(path).status_code == 200
    assert len(calls) == 1, calls


def test_personal_mode_creates_the_local_profile_on_first_use(tmp_path):
    client = make_client(tmp_path)
    assert getattr(client.app.state, "local_profile_id", None) is None
    assert client.get("/plan").status_code == 200
    assert client.app.state.local_profile_id is not None


def _number(html: str) -> str:
    import re

    return re.search(r'href="tel:(\d+)"', html).group(1)


def test_the_start_page_follows_a_profile_change_made_by_another_process(tmp_path):
    """The CLI (``backspasm profile --region``) or another server worker may change the
    profile: the next page shows the new region at once (no per-process cache may keep
    the old emergency number)."""
    from backspasm.store import open_store

    client = make_client(tmp_path, timezone="Europe/London")
    assert _number(client.get("/").text) == "999"
    pid = client.app.state.diary.local_profile_id()
    with open_store(f"sqlite:///{tmp_path / 'web.db'}") as other:  # its own connection
        other.update_profile(pid, region="US")
    assert _number(client.get("/").text) == "911"
    with open_store(f"sqlite:///{tmp_path / 'web.db'}") as other:
        other.update_profile(pid, region="EU")
    assert _number(client.get("/").text) == "112"


def test_two_accounts_each_see_their_own_region(tmp_path):
    """Multi-user: one person's region never reaches another's page, before and after
    one of them changes it."""
    from fastapi.testclient import TestClient

    from test_web_auth import csrf, multi_client, sign_up

    ann = sign_up(multi_client(tmp_path, timezone="Europe/London"), "ann@example.com")
    bob = sign_up(TestClient(ann.app, base_url=str(ann.base_url)), "bob@example.com")

    def choose(client: TestClient, region: str) -> None:
        r = client.post("/settings", data={"tz": "Europe/London", "wake": "07:00",
                                           "sleep": "22:00", "region": region,
                                           "csrf_token": csrf(client, "/settings")})
        assert r.status_code == 200, r.text

    choose(ann, "US")
    for _ in range(2):
        assert _number(ann.get("/").text) == "911"
        assert _number(bob.get("/").text) == "999"
    choose(bob, "EU")
    assert _number(bob.get("/").text) == "112"
    assert _number(ann.get("/").text) == "911"


def test_the_plan_reads_the_saved_journey_once(tmp_path):
    """The guidance (is an emergency on screen?) and the plan (the journey's answers) share
    one read of the journey under the cookie."""
    from web_helpers import SELF_CARE, walk

    client = make_client(tmp_path)
    walk(client, SELF_CARE)
    client.post("/triage/check", data={"csrf_token": ""})
    rows = client.app.state.journeys
    loads: list[str] = []
    load = rows.load

    def counted(key, profile, now):
        loads.append(profile)
        return load(key, profile, now)

    rows.load = counted
    r = client.get("/plan")
    assert r.status_code == 200 and "Your spasm started about 30 hours ago" in r.text
    assert len(loads) == 1


def _off_the_event_loop() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


def _triage_api_reads(client) -> list[bool]:
    """Where ``POST /api/v1/triage`` read the profile: True for off the event loop."""
    store = client.app.state.store
    where: list[bool] = []
    read = store.kept_profile  # read there, and kept until the diary changes

    def watched(profile_id, *a, **kw):
        where.append(_off_the_event_loop())
        return read(profile_id, *a, **kw)

    store.kept_profile = watched
    r = client.post("/api/v1/triage", json={"chest_pain": False})
    assert r.status_code == 200, r.text
    return where


def test_the_triage_api_reads_the_profile_in_a_worker_thread(tmp_path):
    """Where a read may wait (PostgreSQL, multi-user: ``reads_inline`` False), a database
    read on the event loop would hold every other request while it waits."""
    client = make_client(tmp_path)
    client.app.state.reads_inline = False  # as the app decides for PostgreSQL (below)
    assert _triage_api_reads(client) == [True]


def test_personal_sqlite_reads_on_the_event_loop(tmp_path):
    """Personal mode on SQLite: the read is cheaper than the hop to a thread and back."""
    client = make_client(tmp_path)
    assert client.app.state.reads_inline is True
    assert _triage_api_reads(client) == [False]


def test_reads_stay_in_worker_threads_except_personal_sqlite(tmp_path):
    from sqlalchemy import create_engine

    from backspasm.web.settings import Settings

    class Store:  # what reads_inline looks at: the store's engine (real ones, unconnected)
        def __init__(self, url: str) -> None:
            self.engine = create_engine(url)

    sqlite, pg = Store(f"sqlite:///{tmp_path / 'x.db'}"), Store("postgresql+psycopg://@h/db")
    assert deps.reads_inline(Settings(), sqlite) is True
    assert deps.reads_inline(Settings(multi_user=True), sqlite) is False
    assert deps.reads_inline(Settings(), pg) is False
    assert deps.reads_inline(Settings(multi_user=True), pg) is False
    assert make_client(tmp_path, multi_user=True).app.state.reads_inline is False


def test_the_plan_api_reads_the_diary_in_a_worker_thread(tmp_path):
    client = make_client(tmp_path)
    store = client.app.state.store
    where: list[bool] = []
    read = store.latest_triage

    def watched(*a, **kw):
        where.append(_off_the_event_loop())
        return read(*a, **kw)

    store.latest_triage = watched
    r = client.post("/api/v1/plan", json={"onset": "2026-12-01T08:00:00Z", "tz": "UTC"})
    assert r.status_code == 200, r.text
    assert where and all(where), where


def test_the_profile_is_kept_until_anything_is_committed(tmp_path):
    """A page after a page reads no profile from the database while nothing changed
    (``Store.kept_profile``); any commit (here a pain score through the API) makes the next
    page read it again. A commit by another process: the start-page test above."""
    from web_helpers import transactions_of

    client = make_client(tmp_path, timezone="Europe/London")
    client.get("/")  # the first page creates the local profile
    assert transactions_of(client, "/") == 0
    assert client.post("/api/v1/pain", json={"score": 3}).status_code in (200, 201)
    assert transactions_of(client, "/") == 1
    assert transactions_of(client, "/") == 0


def test_a_question_page_seen_again_reads_nothing_until_an_answer_is_saved(tmp_path):
    """The journey and the profile are kept until anything is committed: the same question
    page again begins no transaction; after an answer (a commit), the next page reads."""
    from web_helpers import transactions_of

    client = make_client(tmp_path, timezone="Europe/London")
    page = client.post("/triage/start", data={}, follow_redirects=True)
    path = page.url.path
    assert "/triage/q/" in path
    transactions_of(client, path)
    assert transactions_of(client, path) == 0
    saved = client.post(path, data={"answer": "no"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] != path
    assert transactions_of(client, path) >= 1
