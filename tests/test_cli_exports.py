"""The export commands end to end: a real diary database, the real console script."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from backspasm.exports import ExportError
from backspasm.exports.source import load_episode
from backspasm.knowledge import load_knowledge

BIN = Path(sys.executable).with_name("backspasm")
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
ONSET = NOW - timedelta(days=2)


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKSPASM_DATABASE_URL": str(db)}
    return subprocess.run(
        [str(BIN), *args, "--now", NOW.isoformat()], capture_output=True, text=True, env=env
    )


def fill(store, *, entries: bool = True, tz: str = "Europe/London") -> tuple[int, int]:
    p = store.ensure_profile("local", tz=tz)
    e = store.start_episode(p.id, onset=ONSET, trigger="twisting")
    if entries:
        for h in range(0, 44, 4):
            store.log_pain(p.id, score=8 - h // 8, at=ONSET + timedelta(hours=h + 1))
        store.log_care(p.id, kind="ice", start=ONSET + timedelta(hours=3), minutes=20)
        store.log_care(p.id, kind="medicine", start=ONSET + timedelta(hours=2), medicine="Naproxen")
        store.save_triage(
            p.id,
            answers={"age": 35, "chest_pain": False, "saddle_numbness": False, "pain_now": 6},
            level="self_care",
            rules=[],
            knowledge_version=load_knowledge().version,
            at=ONSET + timedelta(hours=1),
        )
    return p.id, e.id


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "diary.db"


def _store(db: Path):
    from backspasm.store import open_store

    return open_store(str(db), clock=lambda: NOW)


def test_report_writes_a_pdf_about_the_episode(db, tmp_path):
    with _store(db) as s:
        fill(s)
    out = tmp_path / "report.pdf"
    r = run(db, "report", str(out))
    assert r.returncode == 0, r.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "Twisting" in text and "Naproxen" in text and "Mon 02 Mar 2026, 12:00" in text


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("none", ["report"], "Error: episode: an episode in the diary, but the diary has none yet. "
                            "Start one on the Plan page, or with: backspasm episode start"),
        ("empty", ["report"], "Error: episode: nothing to report yet"),
        ("full", ["report", "--episode", "999"], "Error: episode"),
    ],
)
def test_bad_input_exits_2_and_leaves_the_old_file_alone(db, tmp_path, setup, args, message):
    with _store(db) as s:
        if setup == "none":
            s.ensure_profile("local")
        else:
            fill(s, entries=setup == "full")
    out = tmp_path / "out.pdf"
    out.write_bytes(b"old")
    r = run(db, *args, str(out))
    assert r.returncode == 2
    assert r.stderr.startswith(message), r.stderr
    assert "Traceback" not in r.stderr
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_a_time_zone_that_does_not_exist_is_a_clear_error(db, tmp_path):
    with _store(db) as s:
        fill(s)
    # The store refuses a bad zone; this one got in behind its back (an old or edited file).
    with sqlite3.connect(db) as con:
        con.execute("UPDATE profiles SET tz = 'Mars/Olympus_Mons'")
    r = run(db, "report", str(tmp_path / "r.pdf"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "profile time zone: expected a time zone name" in r.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_a_file_in_a_missing_folder_is_refused(db, tmp_path):
    with _store(db) as s:
        fill(s)
    r = run(db, "report", str(tmp_path / "nope" / "r.pdf"))
    assert r.returncode == 2 and r.stderr.startswith("Error: FILE: expected a file in an existing")


def test_load_episode_reads_the_store(store):
    pid, eid = fill(store)
    kb = load_knowledge()
    rec, profile = load_episode(store, pid, None, kb=kb, now=NOW)
    assert rec.id == str(eid) and rec.trigger == "twisting" and rec.tz.key == "Europe/London"
    assert len(rec.pain) == 11 and [m.name for m in rec.medicines] == ["Naproxen"]
    assert [(c.kind, c.end - c.start) for c in rec.care] == [("ice", timedelta(minutes=20))]
    assert rec.triage is not None and rec.triage.answers["age"] == 35
    # The whole plan from onset: ice in the first 72 hours, then heat.
    kinds = {s.kind for s in rec.sessions}
    assert {"ice", "heat", "check_in"} <= kinds
    ahead, _ = load_episode(store, pid, eid, kb=kb, now=NOW, whole_plan=False)
    # Due and upcoming only (issue 13): a due one started before now, one per kind at most.
    assert ahead.sessions and {s.status for s in ahead.sessions} <= {"due", "upcoming"}
    started = [s.kind for s in ahead.sessions if s.start < NOW]
    assert len(started) == len(set(started)) and all(s.status == "due" for s in ahead.sessions
                                                      if s.start < NOW)


def test_load_episode_without_any_episode(store):
    p = store.ensure_profile("local")
    with pytest.raises(ExportError, match="episode"):
        load_episode(store, p.id, None, kb=load_knowledge(), now=NOW)


def test_export_ics_has_the_sessions_ahead(db, tmp_path):
    with _store(db) as s:
        fill(s)
    out = tmp_path / "plan.ics"
    r = run(db, "export", "ics", "--days", "4", str(out))
    assert r.returncode == 0, r.stderr
    events = list(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT"))
    starts = [e["DTSTART"].dt for e in events]
    assert events and max(starts) < ONSET + timedelta(days=4)
    # Due and upcoming: before now, only the one session of a kind that is due.
    started = [str(e["SUMMARY"]) for e in events if e["DTSTART"].dt < NOW]
    assert len(started) == len(set(started))
    assert {str(e["SUMMARY"]) for e in events} >= {"Ice pack", "Heat"}


def test_export_fhir_writes_a_bundle(db, tmp_path):
    with _store(db) as s:
        fill(s)
    out = tmp_path / "episode.json"
    r = run(db, "export", "fhir", str(out))
    assert r.returncode == 0, r.stderr
    bundle = json.loads(out.read_text())
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert bundle["type"] == "collection" and kinds.count("Observation") == 11
    assert "QuestionnaireResponse" in kinds and kinds[-1] == "CarePlan"


def test_export_ics_to_stdout_and_refused_after_an_emergency_result(db, tmp_path):
    with _store(db) as s:
        pid, _ = fill(s)
    r = run(db, "export", "ics", "-")
    assert r.returncode == 0 and r.stdout.startswith("BEGIN:VCALENDAR")
    with _store(db) as s:
        s.save_triage(pid, answers={"chest_pain": True}, level="emergency_ambulance",
                      rules=["chest-pain"], knowledge_version="x", at=NOW - timedelta(minutes=5))
    out = tmp_path / "plan.ics"
    r = run(db, "export", "ics", str(out))
    assert r.returncode == 2 and r.stderr.startswith("Error: plan: no self-care plan")
    assert not out.exists()


def test_after_episode_end_no_calendar_but_the_report_and_fhir_still_work(db, tmp_path):
    """H22: `episode end` stops the reminders; the past can still be exported."""
    with _store(db) as s:
        fill(s)
    assert run(db, "export", "ics", "-").returncode == 0  # open: reminders ahead
    env = {**os.environ, "BACKSPASM_DATABASE_URL": str(db)}
    ended = subprocess.run([str(BIN), "episode", "end", "--at", (NOW - timedelta(hours=1))
                            .isoformat()], capture_output=True, text=True, env=env)
    assert ended.returncode == 0, ended.stderr
    out = tmp_path / "plan.ics"
    out.write_text("old")
    r = run(db, "export", "ics", str(out))
    assert r.returncode == 2
    assert r.stderr.startswith("Error: episode: an open episode, but your episode has ended")
    assert "Traceback" not in r.stderr and out.read_text() == "old"
    assert run(db, "report", str(tmp_path / "r.pdf")).returncode == 0
    fhir = tmp_path / "e.json"
    assert run(db, "export", "fhir", str(fhir)).returncode == 0
    (plan,) = [e["resource"] for e in json.loads(fhir.read_text())["entry"]
               if e["resource"]["resourceType"] == "CarePlan"]
    assert plan["status"] == "completed"
    assert all(a["detail"]["status"] != "scheduled" for a in plan.get("activity", []))


def test_an_emergency_with_no_open_episode_gives_no_calendar(db):
    """H22: an emergency result saved after the last episode ended: still no reminders."""
    with _store(db) as s:
        pid, _ = fill(s)
        s.end_episode(pid, at=NOW - timedelta(hours=3))
        s.save_triage(pid, answers={"chest_pain": True}, level="emergency_ambulance",
                      rules=["chest-pain"], knowledge_version="x", at=NOW - timedelta(hours=1))
    r = run(db, "export", "ics", "-")
    # core.guidance: the emergency is what the person must hear, not that the episode ended.
    assert r.returncode == 2 and r.stdout == "" and r.stderr.startswith("Error: plan:")
    assert "emergency" in r.stderr


def test_the_export_groups_db_reaches_its_subcommand_without_the_environment(
        db, tmp_path, monkeypatch):
    """``export --db URL ics FILE``: the group's --db goes to ``ics`` through the Typer
    context; the process environment is left as it was."""
    from typer.testing import CliRunner

    from backspasm.cli import _register, app

    with _store(db) as s:
        fill(s, entries=False)
    monkeypatch.delenv("BACKSPASM_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))  # not this diary
    _register()
    out = tmp_path / "plan.ics"
    r = CliRunner().invoke(app, ["export", "--db", str(db), "ics", str(out),
                                 "--now", NOW.isoformat()])
    assert r.exit_code == 0, r.stderr
    assert "BACKSPASM_DATABASE_URL" not in os.environ
    assert icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert not (tmp_path / "elsewhere").exists()


def test_report_to_a_terminal_is_refused_and_to_a_pipe_is_written(db):
    """``backspasm report -`` on a terminal: a clear error and exit 2, no binary on the
    screen; with standard output sent to a pipe, the PDF."""
    import pty

    with _store(db) as s:
        fill(s)
    env = {**os.environ, "BACKSPASM_DATABASE_URL": str(db)}
    leader, follower = pty.openpty()
    try:
        r = subprocess.run([str(BIN), "report", "-", "--now", NOW.isoformat()], stdout=follower,
                           stderr=subprocess.PIPE, text=True, env=env)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: FILE: expected a file name. A PDF is not text")
    assert "Traceback" not in r.stderr and b"%PDF" not in shown
    piped = subprocess.run([str(BIN), "report", "-", "--now", NOW.isoformat()],
                           capture_output=True, env=env)
    assert piped.returncode == 0 and piped.stdout.startswith(b"%PDF-")
