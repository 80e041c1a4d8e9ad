"""The diary schema under Alembic: models and revisions agree, diaries made by the earlier
hand-written runner upgrade in place and lose nothing, and an up-to-date diary opens without
importing Alembic."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from backspasm.store import DatabaseError, open_store
from backspasm.store.accounts import Accounts
from backspasm.store.feeds import FeedTokens
from backspasm.store.models import metadata
from backspasm.store.schema import (
    HEAD_REVISION,
    OLD_RUNNER_STEPS,
    alembic_config,
    migrate,
    schema_revision,
)

DATA = Path(__file__).parent / "data"
#: The clock of tests/data/make_old_diary.py when it wrote the fixtures.
MADE = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _load(sql: Path, tmp_path: Path) -> tuple[str, Path]:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.executescript(sql.read_text(encoding="utf-8"))
    conn.close()
    return f"sqlite:///{db}", db


def _rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    try:
        names = [n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}
    finally:
        conn.close()


def test_head_revision_is_alembics_head():
    from alembic.script import ScriptDirectory

    from backspasm.store.engine import make_engine

    engine = make_engine("sqlite://")
    with engine.connect() as conn:
        script = ScriptDirectory.from_config(alembic_config(conn))
    assert script.get_current_head() == HEAD_REVISION
    # One line of revisions, the runner's steps first under the ids it recorded.
    chain = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert chain[:len(OLD_RUNNER_STEPS)] == list(OLD_RUNNER_STEPS)


def test_models_and_migrations_do_not_drift(db_url):
    """An empty database upgraded to head has exactly the schema of ``store.models``."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with open_store(db_url) as s, s.engine.connect() as conn:
        assert schema_revision(s.engine) == HEAD_REVISION
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_revisions_go_down_to_nothing_and_up_again(db_url):
    from alembic import command

    with open_store(db_url) as s:
        engine = s.engine
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert schema_revision(engine) is None
        assert migrate(engine) == [*OLD_RUNNER_STEPS, "0007_profile_name_birth_date"]
        p = s.create_profile()
        s.log_pain(p.id, score=2, at=datetime.now(UTC))
        assert s.counts(p.id)["pain"] == 1


def test_a_diary_of_the_last_release_upgrades_in_place_and_keeps_every_row(tmp_path):
    """tests/data/old_diary_0006.sql: made by the hand-written runner, every step applied,
    rows in every table. Opening it stamps it, drops ``schema_migrations`` and keeps all."""
    from backspasm.web.journey import JourneyStore

    url, db = _load(DATA / "old_diary_0006.sql", tmp_path)
    before = _rows(db)
    assert all(before[t] for t in before), "the fixture has rows in every table"
    with open_store(url, clock=lambda: MADE) as s:
        assert schema_revision(s.engine) == HEAD_REVISION
        me = s.profile_by_key("local")
        assert me is not None
        assert (me.tz, me.wake, me.sleep, me.region, me.age) == (
            "Europe/London", time(6, 30), time(22, 45), "UK", 47)
        assert me.pseudonym == before["profiles"][0][-1]
        [ended, current] = sorted(s.episodes(me.id), key=lambda e: e.onset)
        assert (ended.trigger, ended.ended_at) == ("lifting", MADE - timedelta(days=5))
        assert current.is_open and s.current_episode(me.id) == current
        pain = s.pain_entries(me.id)
        assert [(p.score, p.note) for p in pain] == [
            (8, "could not stand up"), (5, None), (3, "better after a walk")]
        care = s.care_entries(me.id)
        assert [(c.kind, c.minutes, c.medicine, c.note) for c in care] == [
            ("ice", 15, None, None), ("medicine", None, "ibuprofen", "with food"),
            ("stretch", 10, None, None)]
        first, second = sorted(s.triage_records(me.id), key=lambda r: r.at)
        assert (first.level, first.rules, first.unsure) == (
            "emergency", ["cauda_equina"], ["numb_saddle"])
        assert first.answers == {"age": 47, "fever": False, "numb_saddle": True}
        assert (second.level, second.unsure) == ("self_care", [])
        assert FeedTokens(s).feed_token_created(me.id) == MADE
        accounts = Accounts(s)
        ada = accounts.account_by_email("ada@example.org")
        assert ada is not None and ada.password_hash == "$argon2id$v=19$m=65536$fake-hash"
        assert s.get_profile(ada.profile_id).tz == "Europe/Paris"
        assert [p.score for p in s.pain_entries(ada.profile_id)] == [6]
        live = accounts.session("session-token-of-ada-0006", now=MADE)
        assert live is not None and live.email == "ada@example.org"
        assert accounts.signin_failures("ada@example.org|127.0.0.1",
                                        since=MADE - timedelta(days=1)) == 1
        journey = JourneyStore(s).load("journey-key", "local", MADE)
        assert journey is not None and journey.answers == {"age": 47}
    after = _rows(db)
    assert "schema_migrations" not in after
    for table, rows in before.items():
        if table == "profiles":  # revision 0007 adds name and birth_date, both empty
            assert [r[:len(rows[0])] for r in after[table]] == rows, table
            assert all(r[len(rows[0]):] == (None, None) for r in after[table])
        elif table != "schema_migrations":
            assert after[table] == rows, table


def test_a_diary_the_old_runner_left_part_way_upgrades(tmp_path):
    """tests/data/old_diary_0003.sql: steps 0001-0003 only; 0004-0006 run on open."""
    url, db = _load(DATA / "old_diary_0003.sql", tmp_path)
    with open_store(url, clock=lambda: MADE) as s:
        assert schema_revision(s.engine) == HEAD_REVISION
        me = s.profile_by_key("local")
        assert me is not None and me.age == 60 and len(me.pseudonym) == 32
        [rec] = s.triage_records(me.id)
        assert (rec.level, rec.answers, rec.rules, rec.unsure) == (
            "see_gp", {"age": 60}, ["age_over_55"], [])
        [care] = s.care_entries(me.id)
        assert care.medicine == "paracetamol"
        assert [p.note for p in s.pain_entries(me.id)] == ["sharp"]
        assert s.current_episode(me.id) is not None
        assert Accounts(s).account_by_email("bo@example.org") is not None
        assert FeedTokens(s).feed_token_created(me.id) is not None
    assert "schema_migrations" not in _rows(db)


def _old_runner_at(url: str, step: str) -> None:
    """The state the hand-written runner left after ``step``: its tables, its record in
    ``schema_migrations``, no ``alembic_version``; one profile with a triage record."""
    from alembic import command

    from backspasm.store.engine import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), step)
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("CREATE TABLE schema_migrations ("
                          " id VARCHAR(100) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)"))
        for done in OLD_RUNNER_STEPS[:OLD_RUNNER_STEPS.index(step) + 1]:
            conn.execute(text("INSERT INTO schema_migrations VALUES (:id, :at)"),
                         {"id": done, "at": MADE.isoformat()})
        conn.execute(text(
            "INSERT INTO profiles (id, key, tz, wake, sleep, region, age, created_at) VALUES"
            " (1, 'local', 'UTC', '07:00:00', '22:00:00', 'UK', 50, '2026-03-10 12:00:00')"))
        conn.execute(text(
            "INSERT INTO triage_records (id, profile_id, at, answers, level, rules,"
            " knowledge_version) VALUES (1, 1, '2026-03-10 11:00:00', '{\"age\": 50}',"
            " 'self_care', '[]', 'k')"))
    engine.dispose()


def _tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    from backspasm.store.engine import make_engine

    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_an_old_runner_database_upgrades_on_both_databases(db_url):
    _old_runner_at(db_url, "0003_accounts")
    with open_store(db_url, clock=lambda: MADE) as s:
        assert schema_revision(s.engine) == HEAD_REVISION
        [rec] = s.triage_records(1)
        assert (rec.answers, rec.unsure) == ({"age": 50}, [])
        assert len(s.get_profile(1).pseudonym) == 32
    assert "schema_migrations" not in _tables(db_url)


def test_a_failed_upgrade_changes_nothing_not_even_the_stamp(db_url):
    """One transaction: the stamp, the dropped record and the revisions that ran before the
    failing one are all rolled back (transactional DDL, PostgreSQL and SQLite alike)."""
    _old_runner_at(db_url, "0003_accounts")
    from backspasm.store.engine import make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:  # 0005 will fail: the column is there already
        conn.execute(text("ALTER TABLE triage_records ADD COLUMN unsure TEXT"))
    engine.dispose()
    before = _tables(db_url)
    with pytest.raises(DatabaseError):
        open_store(db_url)
    assert _tables(db_url) == before
    assert "schema_migrations" in before and "web_journeys" not in before
    assert "alembic_version" not in before


def test_an_old_runner_record_with_a_gap_is_refused_untouched(tmp_path):
    url, db = _load(DATA / "old_diary_0003.sql", tmp_path)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM schema_migrations WHERE id = '0002_feed_tokens'")
    conn.close()
    before = _rows(db)
    with pytest.raises(DatabaseError, match="schema_migrations"):
        open_store(url)
    assert _rows(db) == before


def test_a_diary_from_a_newer_version_is_refused_untouched(sqlite_url):
    with open_store(sqlite_url) as s:
        with s.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    with pytest.raises(DatabaseError, match="0099_future"):
        open_store(sqlite_url)
    conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
        ("0099_future",)]
    conn.close()


def test_an_up_to_date_diary_opens_without_importing_alembic(sqlite_url):
    open_store(sqlite_url).close()  # created and migrated here
    code = ("import sys\nfrom backspasm.store import open_store\n"
            f"open_store({sqlite_url!r}).close()\nprint('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_new_revision_starts_as_a_draft_of_what_the_models_add(tmp_path):
    """``python -m backspasm.store.alembic 0007_x "…"``: the next revision, after the head,
    drafted from the difference between the models and the head (CONTRIBUTING.md)."""
    import shutil

    from sqlalchemy import Column, Integer, Table

    from backspasm.store import alembic as script_dir
    from backspasm.store.schema import new_revision

    scripts = tmp_path / "scripts"
    shutil.copytree(Path(script_dir.__file__).parent, scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    probe = Table("draft_probe", metadata, Column("id", Integer, primary_key=True))
    try:
        path = new_revision("0007_draft_probe", "Draft probe", script_location=str(scripts))
    finally:
        metadata.remove(probe)
    draft = Path(path).read_text(encoding="utf-8")
    assert Path(path) == scripts / "versions" / "0007_draft_probe.py"
    assert "revision = '0007_draft_probe'" in draft
    assert f"down_revision = {HEAD_REVISION!r}" in draft
    assert "op.create_table('draft_probe'" in draft
