"""Nothing of one person is left behind for the next (issue 10, leftover-data findings):
pseudonyms are never reused, ``forget`` takes unfinished triage journeys too, expired
sessions are pruned, and the browser is told to drop what it kept."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backspasm.knowledge import load_knowledge
from backspasm.store import open_store
from backspasm.store.models import web_journeys, web_sessions
from test_web_auth import PASSWORD, csrf, multi_client, sign_up
from web_helpers import make_client

NOW = datetime.now(UTC).replace(microsecond=0)
HASH = "$argon2id$v=19$m=65536,t=3,p=4$" + "x" * 40


def _calendar_uid(store, pid: int) -> str:
    from backspasm.exports.source import calendar_for

    return calendar_for(store, pid, kb=load_knowledge(), now=NOW).episode_uid


def test_a_new_profile_never_gets_a_forgotten_one_s_pseudonym(store):
    first = store.create_profile(tz="UTC")
    store.start_episode(first.id, onset=NOW - timedelta(hours=2))
    uid_before = _calendar_uid(store, first.id)
    store.forget(first.id)
    second = store.create_profile(tz="UTC")
    store.start_episode(second.id, onset=NOW - timedelta(hours=2))
    # SQLite may hand out the same id again; what identifies a person outside the app may not.
    assert len(second.pseudonym) == 32 and second.pseudonym != first.pseudonym
    assert _calendar_uid(store, second.id) != uid_before
    assert first.pseudonym not in _calendar_uid(store, second.id)


def test_an_older_diary_opens_and_its_profiles_get_pseudonyms(tmp_path):
    from alembic import command

    from backspasm.store.schema import alembic_config, migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(url) as s:
        pid = s.create_profile(tz="UTC").id
        with s.engine.begin() as conn:  # back to the schema before 0006
            command.downgrade(alembic_config(conn), "0005_triage_unsure")
        assert migrate(s.engine) == ["0006_profile_pseudonyms", "0007_profile_name_birth_date"]
    with open_store(url) as s:
        pseudonym = s.get_profile(pid).pseudonym
        assert len(pseudonym) == 32 and int(pseudonym, 16) >= 0


def test_forget_deletes_unfinished_triage_journeys(tmp_path):
    from backspasm.web.journey import Journey, JourneyStore

    db = tmp_path / "cli.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    run = [sys.executable, "-m", "backspasm"]
    assert subprocess.run([*run, "episode", "start", "--db", str(db)], env=env).returncode == 0
    with open_store(f"sqlite:///{db}") as s:
        pid = s.ensure_profile("local").id
        other = s.create_profile(tz="UTC").id
        journeys = JourneyStore(s)
        journeys.save("mine", str(pid), Journey(answers={"saddle_numbness": "yes"}), NOW)
        journeys.save("theirs", str(other), Journey(answers={"age": 40}), NOW)
    r = subprocess.run([*run, "forget", "--yes", "--db", str(db)], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open_store(f"sqlite:///{db}") as s, s.engine.connect() as conn:
        left = conn.execute(select(web_journeys.c.profile)).scalars().all()
    assert left == [str(other)]


def test_expired_web_sessions_are_pruned(store):
    from backspasm.store.accounts import Accounts

    acc = Accounts(store)
    a = acc.create_account("ann@example.com", HASH)
    acc.new_session(a.id, token="old" * 15, csrf_token="c" * 43,
                    expires_at=NOW - timedelta(days=1))
    acc.new_session(a.id, token="new" * 15, csrf_token="c" * 43,
                    expires_at=NOW + timedelta(days=30))
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(web_sessions)).scalar() == 1


def test_delete_everything_and_sign_out_tell_the_browser_to_clear_the_site(tmp_path):
    personal = make_client(tmp_path / "p")
    r = personal.post("/privacy/delete", data={"csrf_token": ""}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    mu = sign_up(multi_client(tmp_path), "ann@example.com")
    r = mu.post("/signout", data={"csrf_token": csrf(mu)}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    assert PASSWORD  # the account existed; signing out kept it


def test_the_service_worker_keeps_no_pages_in_multi_user_mode(tmp_path):
    personal = make_client(tmp_path / "p").get("/sw.js").text
    assert "(plan|timer|diary|learn)" in personal  # personal mode keeps the plan offline
    shared = multi_client(tmp_path).get("/sw.js")
    assert shared.status_code == 200 and "(plan|timer|diary|learn)" not in shared.text
    assert "OFFLINE_PAGES = /(?!)/" in shared.text and '"backspasm-v1"' not in shared.text
