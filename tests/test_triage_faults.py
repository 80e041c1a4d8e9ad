"""Show first, then save (H26): whatever is wrong with the diary, the person who answers
"yes" to a warning sign sees the emergency card; the failed save is reported after it.

Through the real CLI process, with real broken diaries: a PostgreSQL URL to a closed
port, a read-only SQLite database, a folder that cannot be created, a file that is not a
database. And the web journey, with the diary's triage table gone from the real database.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from web_helpers import make_client, text_of, walk

BIN = Path(sys.executable).with_name("backspasm")
BLADDER = json.dumps({"bladder_bowel_change": True})


def _closed_port() -> int:
    with socket.socket() as s:  # bound and closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_only(tmp: Path) -> str:
    db = tmp / "ro.db"
    subprocess.run([str(BIN), "episode", "start", "--db", str(db)], check=True,
                   capture_output=True)
    return f"sqlite:///file:{db}?mode=ro&uri=true"


def _cannot_create(tmp: Path) -> str:
    (tmp / "a-file").write_text("not a folder")
    return str(tmp / "a-file" / "sub" / "diary.db")


def _not_a_database(tmp: Path) -> str:
    (tmp / "notes.db").write_text("these are my notes, not a database\n" * 100)
    return str(tmp / "notes.db")


BROKEN = {
    "postgres-down": lambda tmp: f"postgresql://127.0.0.1:{_closed_port()}/test",
    "read-only": _read_only,
    "cannot-create": _cannot_create,
    "not-a-database": _not_a_database,
}


def _run(db: str, *args: str, input: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BACKSPASM_DATABASE_URL"}
    return subprocess.run([str(BIN), "triage", "--db", db, *args], capture_output=True,
                          text=True, env={**env, "TZ": "Europe/London"}, input=input,
                          timeout=120)


@pytest.mark.parametrize("broken", list(BROKEN))
def test_answers_save_shows_the_card_then_reports_the_failed_save(tmp_path, broken):
    r = _run(BROKEN[broken](tmp_path), "--answers", "-", "--save", input=BLADDER)
    assert "999" in r.stdout and "EMERGENCY" in r.stdout, (r.stdout, r.stderr)
    assert "Not saved in your diary" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert r.returncode == 3


@pytest.mark.parametrize("broken", list(BROKEN))
def test_json_output_says_saved_false_with_the_reason(tmp_path, broken):
    r = _run(BROKEN[broken](tmp_path), "--answers", "-", "--save", "--json", input=BLADDER)
    out = json.loads(r.stdout)
    assert out["level"] == "emergency" and out["care_card"]["emergency_number"] == "999"
    assert out["saved"] is False and out["save_error"]
    assert "Traceback" not in r.stderr and r.returncode == 3


@pytest.mark.parametrize("broken", ["postgres-down", "cannot-create", "not-a-database"])
def test_interactive_triage_shows_the_card_though_the_diary_is_broken(tmp_path, broken):
    r = _run(BROKEN[broken](tmp_path), input="y\n")  # yes to the first question
    assert "Call 999" in r.stdout and "Not saved in your diary" in r.stderr
    assert "Traceback" not in r.stderr and r.returncode == 3


def test_a_working_diary_saves_and_says_so(tmp_path):
    r = _run(str(tmp_path / "ok.db"), "--answers", "-", "--save", "--json", input=BLADDER)
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["saved"] is True and out["save_error"] is None


# --- web ------------------------------------------------------------------------------------

def _break_triage_table(client) -> None:
    from sqlalchemy import text

    with client.app.state.store.engine.begin() as conn:
        conn.execute(text("DROP TABLE triage_records"))


def _refuse_triage_writes(client) -> None:
    from sqlalchemy import text

    with client.app.state.store.engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER refuse_triage BEFORE INSERT ON triage_records "
                          "BEGIN SELECT RAISE(ABORT, 'the diary refuses writes'); END"))


def test_web_emergency_stop_page_survives_a_store_failure(tmp_path):
    client = make_client(tmp_path, timezone="Europe/London")
    client.get("/")
    _break_triage_table(client)
    r, _ = walk(client, {"chest_pain": "yes"})
    assert r.status_code == 200 and r.url.path == "/triage/stop"
    assert 'href="tel:999"' in r.text
    assert "could not save this result" in text_of(r.text)


def test_web_confirm_shows_the_result_when_the_store_fails(tmp_path):
    from web_helpers import SELF_CARE

    client = make_client(tmp_path, timezone="Europe/London")
    walk(client, SELF_CARE)
    _break_triage_table(client)
    r = client.post("/triage/check", data={"csrf_token": ""})
    assert r.status_code == 200
    page = text_of(r.text)
    assert "Look after your back at home" in page and "could not save this result" in page


def test_with_secure_cookies_an_unsaved_emergency_still_stops_the_plan_and_timers(tmp_path):
    """Over https the journey cookie is ``__Host-bs_journey``: the emergency on screen
    (not in the diary, whose save failed) is found under that name too (H26)."""
    from web_helpers import LOCAL_URL

    client = make_client(tmp_path, timezone="Europe/London", secure_cookies=True)
    client.base_url = LOCAL_URL.replace("http://", "https://")
    client.get("/")
    _refuse_triage_writes(client)  # the diary still reads: only the save fails
    r, _ = walk(client, {"chest_pain": "yes"})
    assert r.url.path == "/triage/stop" and "could not save this result" in text_of(r.text)
    assert "__Host-bs_journey" in client.cookies and "bs_journey" not in client.cookies
    for page in [client.get("/plan"), *(client.get(f"/timer/{slug}")
                                        for slug in ("ice", "heat", "contrast"))]:
        assert 'href="tel:999"' in page.text and "bs-card--emergency" in page.text
        assert 'id="timer"' not in page.text and "Start a timer" not in text_of(page.text)
