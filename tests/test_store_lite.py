"""The stdlib path of the diary commands (``store.lite``) against the SQLAlchemy store.

Both paths run on the same SQLite files: ``status`` and ``diary`` print the same bytes for
random diaries, ``log pain`` stores the same row and says the same (or refuses the same
way), the stored text is SQLAlchemy's, and every diary the stdlib path must not open (no
file, not a database, another schema, PostgreSQL, no local profile) goes to the store.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backspasm.cli import _register, app
from backspasm.cli import common as cli_common
from backspasm.status import episode_window
from backspasm.store import lite, open_store, rows
from backspasm.store.schema import HEAD_REVISION
from backspasm.store.sqlite_text import read_date, read_time, read_utc, utc_text

_register()
runner = CliRunner()
#: The moment the commands run at, both paths (days in the past: the store refuses the future).
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
ENV = {"COLUMNS": "120", "NO_COLOR": "1"}
LOOSE = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A migrated diary with the local profile: copied for each example (fast)."""
    db = tmp_path_factory.mktemp("lite") / "template.db"
    with open_store(f"sqlite:///{db}") as s:
        s.ensure_profile("local", tz="Europe/London")
    return db


def _copy(template: Path, to: Path) -> str:
    shutil.copy(template, to)
    return str(to)


#: Which path opened the diary in the last :func:`run`: [True] the stdlib path, [False] the
#: store, [] none (refused before opening).
OPENED: list[bool] = []


def run(args: list[str], db: str, *, light: bool, at: datetime = NOW) -> tuple:
    """``backspasm ARGS --db DB`` at ``at``, on the stdlib path where it can be taken or
    (``light=False``) on the store; (exit code, stdout, stderr, exception type)."""
    from backspasm.cli import diary, log, status

    OPENED.clear()
    real = cli_common.open_light

    def spy(url):
        got = real(url) if light else None
        OPENED.append(got is not None)
        return got

    with pytest.MonkeyPatch.context() as mp:
        for module in (diary, log, status):
            mp.setattr(module, "now", lambda: at)
        mp.setattr(cli_common, "open_light", spy)
        r = runner.invoke(app, [*args, "--db", db], env=ENV)
    return r.exit_code, r.stdout, r.stderr, type(r.exception).__name__


def dump(db: str) -> dict[str, list]:
    conn = sqlite3.connect(db)
    try:
        names = [n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall()
                for n in names}
    finally:
        conn.close()


# --- one schema, one spelling -------------------------------------------------------------

def test_the_columns_read_are_the_models_columns_in_the_stores_order():
    from backspasm.store import models

    assert lite.COLUMNS == {
        "profiles": tuple(c.name for c in rows.PROFILE_COLS),
        "episodes": tuple(c.name for c in rows.EPISODE_COLS),
        "pain_entries": tuple(c.name for c in rows.PAIN_COLS),
        "care_entries": tuple(c.name for c in rows.CARE_COLS),
        "triage_records": tuple(c.name for c in rows.TRIAGE_COLS),
    }
    for table, cols in lite.COLUMNS.items():
        assert set(cols) == set(models.metadata.tables[table].columns.keys()), table


@settings(max_examples=300)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=st.sampled_from([UTC, *map(ZoneInfo, (
                        "Europe/London", "America/St_Johns", "Asia/Kathmandu"))])))
def test_times_are_written_and_read_as_sqlalchemy_does(value):
    from sqlalchemy.dialects.sqlite import DATETIME

    from backspasm.store.models import UTCDateTime

    stored = DATETIME().bind_processor(None)(UTCDateTime().process_bind_param(value, None))
    assert utc_text(value) == stored
    assert read_utc(stored) == value.astimezone(UTC) and read_utc(stored).tzinfo is UTC


@given(st.times(), st.dates())
def test_times_of_day_and_dates_are_read_as_sqlalchemy_does(t, d):
    from sqlalchemy.dialects.sqlite import DATE, TIME

    text = TIME().bind_processor(None)(t)
    assert read_time(text) == TIME().result_processor(None, None)(text) == t
    text = DATE().bind_processor(None)(d)
    assert read_date(text) == DATE().result_processor(None, None)(text) == d
    assert read_time(None) is None and read_date(None) is None


@pytest.mark.parametrize("url", ["sqlite:////tmp/a b/diary.db", "sqlite:///rel/diary.db",
                                 "sqlite:////tmp/ünï@x:y.db"])
def test_the_file_of_a_url_is_sqlalchemys(url):
    from sqlalchemy.engine import make_url

    assert lite.sqlite_file(url) == Path(make_url(url).database)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///x.db?mode=ro",
                                 "sqlite:///a%20b.db", "sqlite+pysqlite:///x.db",
                                 "postgresql+psycopg://@127.0.0.1:5432/test",
                                 "postgresql://u@h/db"])
def test_other_urls_go_to_the_store(url):
    assert lite.sqlite_file(url) is None
    assert lite.open_lite(url) is None


# --- what the commands print and store ----------------------------------------------------

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC",
         "Pacific/Kiritimati"]
NOTES = st.one_of(st.none(), st.sampled_from(["", "after a walk", "[b]x[/b]", ":smile:",
                                              "日本語 ✓", "x" * 300, "two\nlines"]))
AGO = st.integers(min_value=0, max_value=12 * 24 * 60)  # minutes before NOW
SAVED = [  # (level, answers, rules) of a saved triage
    ("self_care", {"age": 40, "onset": "2026-11-24T08:00:00+00:00", "pain_now": 6,
                   "pain_trend": "same", "trigger": "lifting", "leg_symptoms": "one_leg"}, []),
    ("consultation", {"pregnant": True}, ["pregnancy"]),
    ("emergency", {"bladder_bowel": True}, ["cauda-equina"]),
    ("consultation", {"from": "an older contract", "pain_now": "lots"}, ["x"]),
]


@st.composite
def diaries(draw) -> dict:
    """An export document (the store imports it in one transaction)."""
    def at(minutes: int) -> str:
        return (NOW - timedelta(minutes=minutes)).isoformat()

    starts = sorted(draw(st.lists(AGO, max_size=3, unique=True)), reverse=True)
    episodes = []
    for i, start in enumerate(starts):  # oldest first; only the last may be open
        ended = st.integers(0, start)
        end = draw(ended if i < len(starts) - 1 else st.one_of(st.none(), ended))
        episodes.append({"onset": at(start), "ended_at": None if end is None else at(end),
                         "trigger": draw(st.sampled_from([None, "lifting", "sport"]))})
    kinds = ["ice", "heat", "contrast", "stretch", "medicine", "other"]
    care = []
    for kind, ago, minutes, note in draw(st.lists(st.tuples(
            st.sampled_from(kinds), AGO, st.one_of(st.none(), st.integers(1, 30)), NOTES),
            max_size=8)):
        care.append({"kind": kind, "start": at(ago), "minutes": minutes, "note": note,
                     "medicine": "ibuprofen [200]" if kind == "medicine" else None})
    triage = []
    if draw(st.booleans()):
        level, answers, rules = draw(st.sampled_from(SAVED))
        triage.append({"at": at(draw(AGO)), "answers": answers, "level": level,
                       "rules": rules, "knowledge_version": "test", "unsure": []})
    wake, sleep = draw(st.sampled_from([("07:00", "22:00"), ("06:15", "01:30"),
                                        ("23:00", "07:00")]))
    return {"format": "backspasm-diary", "version": 1,
            "profile": {"tz": draw(st.sampled_from(ZONES)), "wake": wake, "sleep": sleep,
                        "region": draw(st.sampled_from([None, "GB", "US", "EU"])),
                        "age": draw(st.sampled_from([None, 35, 70]))},
            "episodes": episodes,
            "pain": [{"at": at(ago), "score": score, "note": note} for ago, score, note in
                     draw(st.lists(st.tuples(AGO, st.integers(0, 10), NOTES), max_size=40))],
            "care": care, "triage": triage}


COMMANDS = [["status"], ["status", "--json"], ["diary"], ["diary", "--json"],
            ["diary", "--days", "30"], ["diary", "--days", "1"]]


@LOOSE
@given(doc=diaries())
def test_status_and_diary_print_the_same_on_both_paths(template, tmp_path, doc):
    """Random diaries (episodes open or ended, pain, care, a saved triage, zones that cross
    midnight or daylight saving): the same output, byte for byte, as the store's."""
    db = _copy(template, tmp_path / "same.db")
    with open_store(f"sqlite:///{db}") as s:
        s.import_profile(s.profile_by_key("local").id, doc, replace=True)
    for command in COMMANDS:
        light = run(command, db, light=True)
        assert light[0] == 0 and OPENED == [True], light
        assert light == run(command, db, light=False), command


@LOOSE
@given(doc=diaries(), cuts=st.lists(st.one_of(st.none(), AGO), min_size=2, max_size=2))
def test_every_read_gives_what_the_stores_read_gives(template, tmp_path, doc, cuts):
    """Each read of ``store.lite`` against the same read of ``store.rows`` (both feed
    ``store.views``), with either end of a range open or set, on random diaries."""
    db = _copy(template, tmp_path / "reads.db")
    since, until = (None if c is None else NOW - timedelta(minutes=c) for c in cuts)
    with open_store(f"sqlite:///{db}") as s, lite.open_lite(db) as light:
        pid = s.profile_by_key("local").id
        s.import_profile(pid, doc, replace=True)
        with s.read() as conn, light.read() as lconn:
            for read in (lambda m, c: m.profile(c, pid),
                         lambda m, c: m.episodes(c, pid),
                         lambda m, c: m.episodes(c, pid, since),
                         lambda m, c: m.pain_entries(c, pid, since, until),
                         lambda m, c: m.care_entries(c, pid, since, until),
                         lambda m, c: m.latest_pain(c, pid),
                         lambda m, c: m.latest_pain(c, pid, until),
                         lambda m, c: m.latest_triage(c, pid),
                         lambda m, c: m.triage_records(c, pid)):
                assert read(lite, lconn) == read(rows, conn)
        for view in (lambda st: st.diary(pid, since=since or NOW - timedelta(days=30),
                                         until=until or NOW),
                     lambda st: st.overview(pid, pain_since=since or NOW),
                     lambda st: st.overview(pid, pain_since=since or NOW, now=until or NOW),
                     lambda st: st.overview(pid, pain_since=since or NOW,
                                            window=episode_window(NOW)),
                     lambda st: st.episode_data(pid, None, reach=timedelta(days=2))):
            assert view(light) == view(s)


EXPORTS = [["export", "fhir", "-", "--now", NOW.isoformat()],
           ["export", "fhir", "-", "--episode", "1", "--now", NOW.isoformat()],
           ["export", "fhir", "-", "--episode", "99", "--now", NOW.isoformat()]]


@LOOSE
@given(doc=diaries())
def test_an_episode_is_exported_the_same_on_both_paths(template, tmp_path, doc):
    """``report`` and ``export fhir`` read the episode on the stdlib path: the same bundle,
    byte for byte, and the same refusals (no episode, an id not of this diary)."""
    from backspasm.exports.source import load_episode
    from backspasm.knowledge import load_knowledge

    db = _copy(template, tmp_path / "export.db")
    with open_store(f"sqlite:///{db}") as s:
        pid = s.profile_by_key("local").id
        s.import_profile(pid, doc, replace=True)
        ids = [e.id for e in s.episodes(pid)]
    for command in EXPORTS:
        light = run(command, db, light=True)
        assert OPENED == [True] and light[0] in (0, 2), light
        assert light == run(command, db, light=False), command
    kb = load_knowledge()
    with open_store(f"sqlite:///{db}") as s, lite.open_lite(db) as light_store:
        for episode in (None, *ids, 99, -1):
            got = []
            for store in (light_store, s):
                try:
                    got.append(load_episode(store, pid, episode, kb=kb, now=NOW))
                except Exception as exc:  # the same refusal on both paths
                    got.append((type(exc), str(exc)))
            assert got[0] == got[1], episode


SCORES = st.sampled_from(["0", "5", "10", " 7", "11", "-1", "lots", "3.5"])
ATS = st.sampled_from([None, "08:30", "00:00", (NOW - timedelta(hours=5)).isoformat(),
                       "2026-03-29T01:30", (NOW + timedelta(days=400)).isoformat(),
                       "tomorrow", "0001-01-01T00:00:00+14:00"])
TYPED = st.one_of(NOTES, st.sampled_from(["x" * 2001, "a\x00b", "  "]))


@LOOSE
@given(score=SCORES, at=ATS, note=TYPED)
def test_log_pain_stores_and_says_the_same_on_both_paths(template, tmp_path, score, at, note):
    """The same message and exit status (refusals included), the same row, byte for byte,
    and the row reads back through the store as the stdlib path returned it."""
    a, b = _copy(template, tmp_path / "a.db"), _copy(template, tmp_path / "b.db")
    args = ["log", "pain", score, *(["--at", at] if at else []),
            *(["--note", note] if note is not None else [])]
    light = run(args, a, light=True)
    assert OPENED in ([True], [])  # [] : refused before the diary is opened
    assert light == run(args, b, light=False)
    assert dump(a) == dump(b)
    with open_store(f"sqlite:///{a}") as s:
        stored = s.pain_entries(s.profile_by_key("local").id)
    assert len(stored) == (light[0] == 0)


def test_the_row_written_is_the_record_returned(template, tmp_path):
    db = _copy(template, tmp_path / "one.db")
    with lite.open_lite(db) as store:
        pid = store.profile_by_key("local").id
        entry = store.log_pain(pid, score=6, at=NOW - timedelta(microseconds=7),
                               note="ça va")
    with open_store(db) as s:
        assert s.pain_entries(pid) == [entry]
        assert s.overview(pid, pain_since=NOW - timedelta(days=1)).latest_pain == entry


# --- what goes to the store ---------------------------------------------------------------

def test_a_missing_file_is_left_to_the_store_and_not_created(tmp_path):
    target = tmp_path / "new" / "diary.db"
    assert lite.open_lite(str(target)) is None
    assert not target.parent.exists()
    assert run(["log", "pain", "4"], str(target), light=True)[0] == 0  # the store makes it
    assert OPENED == [False]
    assert lite.open_lite(str(target)) is not None


@pytest.mark.parametrize("content", [b"", b"hello", b"SQLite format 3\x00" + b"\x07" * 5000])
def test_a_file_that_is_no_diary_is_reported_as_the_store_reports_it(tmp_path, content):
    db = tmp_path / "odd.db"
    db.write_bytes(content)
    assert lite.open_lite(str(db)) is None
    for args in (["status"], ["log", "pain", "3"], ["diary"]):
        db.write_bytes(content)
        light = run(args, str(db), light=True)
        db.write_bytes(content)
        assert light == run(args, str(db), light=False)
    if content:
        assert db.read_bytes() == content


def test_an_older_schema_is_migrated_by_the_store(template, tmp_path):
    from alembic import command

    from backspasm.store.schema import alembic_config

    db = _copy(template, tmp_path / "old.db")
    with open_store(db) as s, s.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0006_profile_pseudonyms")
    assert lite.open_lite(db) is None
    assert run(["log", "pain", "2"], db, light=True)[0] == 0
    assert OPENED == [False]
    assert dump(db)["alembic_version"] == [(HEAD_REVISION,)]
    assert lite.open_lite(db) is not None


def test_a_newer_schema_is_refused_by_the_store_untouched(template, tmp_path):
    db = _copy(template, tmp_path / "newer.db")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    conn.close()
    before = dump(db)
    code, _, err, _ = run(["status"], db, light=True)
    assert code == 1 and "0099_future" in err
    assert dump(db) == before


def test_a_diary_without_the_local_profile_gets_it_from_the_store(tmp_path):
    db = str(tmp_path / "bare.db")
    open_store(db).close()  # migrated, no profile
    assert lite.open_lite(db) is not None
    assert run(["log", "pain", "5"], db, light=True)[0] == 0
    assert OPENED == [False]  # the store makes the profile
    assert [p[1] for p in dump(db)["profiles"]] == ["local"]


def test_a_diary_locked_by_a_writer_is_waited_for(template, tmp_path):
    """Another process holds the write lock: reads go on (WAL), the write waits for it."""
    db = _copy(template, tmp_path / "busy.db")
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO pain_entries (profile_id, at, score) "
                   "VALUES (1, '2026-01-01 00:00:00.000000', 1)")
    try:
        assert run(["status", "--json"], db, light=True)[0] == 0 and OPENED == [True]
        threading.Timer(0.5, holder.commit).start()
        assert run(["log", "pain", "6"], db, light=True)[0] == 0 and OPENED == [True]
    finally:
        holder.close()
    assert [row[3] for row in dump(db)["pain_entries"]] == [1, 6]


def test_the_stdlib_path_leaves_the_file_private(template, tmp_path):
    db = _copy(template, tmp_path / "mode.db")
    Path(db).chmod(0o644)
    assert run(["status"], db, light=True)[0] == 0 and OPENED == [True]
    assert Path(db).stat().st_mode & 0o777 == 0o600


def test_profile_values_read_as_the_store_reads_them(template, tmp_path):
    db = _copy(template, tmp_path / "profile.db")
    with open_store(db) as s:
        pid = s.profile_by_key("local").id
        s.update_profile(pid, tz="Asia/Kolkata", wake=time(6, 45), sleep=time(23, 5),
                         region="US", age=61, name="A  Person", birth_date=date(1965, 2, 28))
        expected = s.profile_by_key("local")
    with lite.open_lite(db) as store:
        for got in (store.profile_by_key("local"), store.overview(pid, pain_since=NOW).profile):
            assert got == expected
            assert [type(v) for v in vars(got).values()] == [
                type(v) for v in vars(expected).values()]
