"""Pages kept until the diary changes or the minute turns (web/kept.py).

A kept page must be the page as it would be worked out: the model test below runs two apps
on one diary file, one that keeps pages and one that works every page out afresh, through
random writes (in the app, and by another connection as a terminal command would) and
clock moves, and asks both for the same pages at the same moments.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backspasm.store import open_store
from backspasm.web.app import create_app
from backspasm.web.deps import get_now
from backspasm.web.settings import Settings
from web_helpers import client_for, make_client, transactions_of

PAGES = ("/", "/plan", "/diary", "/api/v1/status", "/diary?all=1")
START = datetime(2026, 11, 20, 9, 0, 10, tzinfo=UTC)


def _clock(client, moment: datetime) -> None:
    client.app.dependency_overrides[get_now] = lambda: moment


def _with_episode(tmp_path: Path, **settings):
    client = make_client(tmp_path, timezone="Europe/London", **settings)
    _clock(client, START)
    assert client.post("/api/v1/episodes", json={
        "onset": (START - timedelta(hours=30)).isoformat()}).status_code == 201
    for i in range(5):
        assert client.post("/api/v1/pain", json={
            "score": 3 + i, "at": (START - timedelta(hours=5 - i)).isoformat()}).status_code == 201
    return client


def test_a_page_seen_again_in_the_same_minute_reads_nothing_and_is_the_same(tmp_path):
    client = _with_episode(tmp_path)
    for path in PAGES:
        first = client.get(path)
        _clock(client, START + timedelta(seconds=40))  # same minute
        assert transactions_of(client, path) == 0, path
        again = client.get(path)
        assert again.content == first.content, path
        assert again.headers["content-type"] == first.headers["content-type"]
        assert again.headers["cache-control"] == "no-store"  # kept on the server only
        _clock(client, START)


def test_any_commit_or_the_next_minute_works_the_page_out_again(tmp_path):
    client = _with_episode(tmp_path)
    assert "Stiff after sitting" not in client.get("/diary").text
    assert client.post("/api/v1/pain", json={"score": 9, "note": "Stiff after sitting"}
                       ).status_code == 201
    assert transactions_of(client, "/diary") >= 1
    assert "Stiff after sitting" in client.get("/diary").text
    assert client.get("/api/v1/status").json()["pain"]["latest"] == 9
    _clock(client, START + timedelta(minutes=1))
    assert transactions_of(client, "/diary") >= 1
    assert transactions_of(client, "/diary") == 0


def test_a_score_logged_in_the_terminal_shows_on_the_next_page(tmp_path):
    """Another process (``backspasm log pain``) commits to the same file: the page kept by
    the server is dropped, within the same minute."""
    client = _with_episode(tmp_path)
    client.app.dependency_overrides.pop(get_now)  # the real clock, as the terminal's
    assert "Logged in the terminal" not in client.get("/diary").text
    assert client.get("/api/v1/status").json()["pain"]["latest"] != 10
    db = tmp_path / "web.db"
    subprocess.run([sys.executable, "-m", "backspasm", "log", "pain", "10", "--note",
                    "Logged in the terminal", "--db", str(db)],
                   check=True, capture_output=True, text=True)
    assert "Logged in the terminal" in client.get("/diary").text
    assert client.get("/api/v1/status").json()["pain"]["latest"] == 10


def test_the_page_with_the_saved_note_is_never_kept(tmp_path):
    """"Pain 4 saved — Undo" shows once: the page that shows it is worked out for that
    request and not kept, so a reload in the same minute shows the diary without it."""
    client = _with_episode(tmp_path)
    client.get("/diary")
    shown = client.post("/diary/pain", data={"score": "4"}, follow_redirects=True)
    assert "Pain 4 saved" in shown.text
    assert "Pain 4 saved" not in client.get("/diary").text
    # A note waiting with nothing committed since the diary was kept (a stale cookie, or a
    # note that follows no write): shown, and then gone.
    assert transactions_of(client, "/diary") == 0
    noted = client.get("/diary", headers={"cookie": "bs_flash=undone"})
    assert "That entry is removed" in noted.text
    assert "bs_flash" in noted.headers.get("set-cookie", "")
    assert "That entry is removed" not in client.get("/diary").text


def test_nothing_is_kept_in_multi_user_mode_nor_when_turned_off(tmp_path):
    off = _with_episode(tmp_path / "off", keep_pages=False)
    off.get("/plan")
    assert transactions_of(off, "/plan") >= 1
    from test_web_auth import multi_client, sign_up

    multi = sign_up(multi_client(tmp_path / "multi"), "a@example.org")
    multi.get("/diary")
    assert transactions_of(multi, "/diary") >= 1


def test_a_kept_plan_follows_the_journey_cookie(tmp_path):
    """Without an episode the plan is worked out from the triage journey under the cookie:
    the same path without that cookie, in the same minute, is another page."""
    from web_helpers import SELF_CARE, walk

    client = make_client(tmp_path, timezone="Europe/London")
    _clock(client, START)
    walk(client, SELF_CARE)  # answered, not confirmed: no episode, the onset in the journey
    journey = client.cookies.get("bs_journey")
    assert journey
    with_journey = client.get("/plan").text
    assert "The first 72 hours" in with_journey
    client.cookies.delete("bs_journey")
    assert transactions_of(client, "/plan") >= 1  # not the page kept under the cookie
    without = client.get("/plan").text
    assert "The first 72 hours" not in without and 'action="/plan/onset"' in without
    client.cookies.set("bs_journey", journey)
    assert client.get("/plan").text == with_journey


# -- the model: kept pages are the pages worked out afresh ------------------------------

steps = st.lists(st.one_of(
    st.tuples(st.just("get"), st.sampled_from(PAGES)),
    st.tuples(st.just("clock"), st.integers(min_value=0, max_value=150)),
    st.tuples(st.just("pain"), st.integers(min_value=0, max_value=10)),
    st.tuples(st.just("care"), st.sampled_from(["ice", "heat", "stretch"])),
    st.tuples(st.just("terminal"), st.integers(min_value=0, max_value=10)),
), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_model_a_kept_page_is_the_page_worked_out_afresh(tmp_path_factory, steps):
    """Whatever is written, by whom, and however the clock moves, a page from the keeping
    app is byte for byte the page the other app works out at the moment the kept one was
    worked out: the first request for it in this minute since the last write."""
    tmp = tmp_path_factory.mktemp("kept")
    url = f"sqlite:///{tmp / 'web.db'}"
    kept = client_for(create_app(Settings(database_url=url, timezone="Europe/London")))
    fresh = client_for(create_app(Settings(database_url=url, timezone="Europe/London",
                                           keep_pages=False)))
    with kept:  # under its lifespan, as uvicorn runs it (a turn shares the change number)
        now = START
        _clock(kept, now)
        assert kept.post("/api/v1/episodes", json={
            "onset": (START - timedelta(hours=20)).isoformat()}).status_code == 201
        writes = 0
        worked_out_at: dict[tuple[str, int, int], datetime] = {}
        other = open_store(url)  # another connection, as `backspasm log pain` in a terminal
        try:
            pid = other.ensure_profile("local").id
            for step, value in steps:
                if step == "clock":
                    now += timedelta(seconds=value)
                    _clock(kept, now)
                elif step == "pain":
                    assert kept.post("/api/v1/pain", json={"score": value}).status_code == 201
                    writes += 1
                elif step == "care":
                    assert kept.post("/api/v1/care", json={"kind": value, "minutes": 20}
                                     ).status_code == 201
                    writes += 1
                elif step == "terminal":
                    other.log_pain(pid, score=value, at=min(now, datetime.now(UTC)))
                    writes += 1
                else:
                    got = kept.get(value)
                    key = (value, int(now.timestamp() // 60), writes)
                    moment = worked_out_at.setdefault(key, now)
                    _clock(fresh, moment)
                    want = fresh.get(value)
                    assert got.status_code == want.status_code == 200
                    assert got.content == want.content, (value, moment, now)
        finally:
            other.close()
            fresh.app.state.store.close()


def test_the_servers_loop_and_only_it_shares_the_change_number(tmp_path):
    # store/watch.py: the requests of one turn of the loop the app serves on share the
    # diary's change number; any other code asks SQLite every time.
    import asyncio

    with make_client(tmp_path) as client:  # runs the lifespan, as uvicorn does
        watch = client.app.state.store.watch()

        async def the_loop() -> asyncio.AbstractEventLoop:
            return asyncio.get_running_loop()

        assert watch is not None and watch._serving is client.portal.call(the_loop)
    assert watch._serving is None
