"""The diary commands, end to end through the real Typer app, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backspasm.cli import _register, app
from backspasm.store import open_store

_register()
runner = CliRunner()


def iso(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()


def bs(db: str, *args: str):
    return runner.invoke(app, [*args, "--db", db])


def ok(db: str, *args: str) -> str:
    r = bs(db, *args)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    return r.stdout


def export(db: str) -> dict:
    return json.loads(ok(db, "export", "--json", "-"))


def test_a_diary_that_raises_the_level_says_why(db_url):
    ok(db_url, "episode", "start", "--at", iso(80), "--trigger", "lifting")
    ok(db_url, "log", "pain", "5", "--at", iso(30))
    ok(db_url, "log", "pain", "8", "--at", iso(1), "--note", "bad night")
    ok(db_url, "log", "ice", "--minutes", "20")
    ok(db_url, "log", "medicine", "ibuprofen")
    rep = json.loads(ok(db_url, "status", "--json"))
    assert rep["episode"]["trigger"] == "lifting" and rep["episode"]["hours_since_onset"] >= 79
    assert rep["phase"] == "recovery"
    assert rep["pain"] == {"latest": 8, "trend": "worse", "mean_last_24h": 8.0,
                           "mean_previous_24h": 5.0}
    assert rep["rose"] and rep["previous_level"] == "self_care"
    assert rep["level"] == "consultation_24"
    rules = [x["rule"] for x in rep["new_reasons"]]
    assert rules[0] == "severe-and-worsening" and "lasting-over-72h" in rules
    assert rep["care_card"]["heading"]
    text = ok(db_url, "status")
    assert rep["new_reasons"][0]["text"] in text and rep["care_card"]["heading"] in text


def test_status_compares_with_the_latest_saved_triage(db_url):
    ok(db_url, "episode", "start", "--at", iso(10))
    ok(db_url, "log", "pain", "4")
    with open_store(db_url) as s:
        p = s.profile_by_key("local")
        s.save_triage(p.id, answers={"pregnant": True}, level="consultation",
                      rules=["pregnancy"], knowledge_version="x", at=datetime.now(UTC))
    rep = json.loads(ok(db_url, "status", "--json"))
    assert rep["previous_level"] == "consultation" and rep["level"] == "consultation"
    assert not rep["rose"] and rep["new_reasons"] == [] and rep["care_card"] is None
    assert rep["next_session"] is not None and rep["phase"] == "acute"


def test_status_without_an_episode_says_how_to_start_one(db_url):
    rep = json.loads(ok(db_url, "status", "--json"))
    assert rep["episode"] is None and rep["level"] == "self_care" and not rep["rose"]
    assert "backspasm episode start" in ok(db_url, "status")


def test_diary_table_and_sparkline(db_url):
    for h, score in ((5, 2), (4, 6), (3, 10)):
        ok(db_url, "log", "pain", str(score), "--at", iso(h))
    ok(db_url, "log", "heat", "--minutes", "25", "--note", "warm shower")
    data = json.loads(ok(db_url, "diary", "--days", "2", "--json"))
    assert [e["what"] for e in data["entries"]] == ["pain", "pain", "pain", "heat"]
    assert "".join(d["sparkline"] for d in data["days"]) == "▂▅█"
    out = ok(db_url, "diary")
    assert "warm shower" in out and "25 min" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("log", "pain", "11"), "Error: pain: expected a whole number from 0 to 10"),
        (("log", "pain", "lots"), "Error: pain: expected a whole number from 0 to 10"),
        (("log", "pain", "3", "--at", "tomorrow"), "Error: --at: expected HH:MM"),
        (("log", "ice", "--minutes", "0"), "Error: minutes: expected a whole number from 1"),
        (("episode", "end"), "Error: episode: expected an open episode"),
        (("episode", "start", "--trigger", "yoga"), "Error: trigger: expected one of"),
        (("forget",), "Error: forget: this deletes your whole diary"),
        (("profile", "--tz", "Nowhere/Land"), "Error: tz: expected an IANA time zone"),
    ],
)
def test_bad_input_exits_2_names_the_problem_and_writes_nothing(db_url, args, message):
    ok(db_url, "log", "pain", "3", "--at", iso(2))
    before = export(db_url)
    r = bs(db_url, *args)
    assert r.exit_code == 2, r.stdout
    assert r.stderr.startswith(message), r.stderr
    assert export(db_url) == before


def test_future_times_second_episode_and_end_before_onset_are_refused(db_url):
    future = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    r = bs(db_url, "log", "pain", "4", "--at", future)
    assert r.exit_code == 2 and r.stderr.startswith("Error: at: expected a time that is not in")
    ok(db_url, "episode", "start", "--at", iso(5))
    r = bs(db_url, "episode", "start")
    assert r.exit_code == 2 and "expected no open episode" in r.stderr
    r = bs(db_url, "episode", "end", "--at", iso(6))
    assert r.exit_code == 2 and r.stderr.startswith("Error: at: expected a time after")
    doc = export(db_url)
    assert doc["pain"] == [] and len(doc["episodes"]) == 1
    assert doc["episodes"][0]["ended_at"] is None
    ok(db_url, "episode", "end")
    assert export(db_url)["episodes"][0]["ended_at"] is not None


def test_export_import_export_is_the_same_document(db_url, tmp_path):
    ok(db_url, "profile", "--tz", "Europe/Paris", "--wake", "06:30", "--age", "52")
    ok(db_url, "episode", "start", "--at", iso(30), "--trigger", "sport")
    ok(db_url, "log", "pain", "7", "--note", "ça fait mal")
    ok(db_url, "log", "stretch", "--minutes", "10")
    first = tmp_path / "first.json"
    ok(db_url, "export", "--json", str(first))
    other = f"sqlite:///{tmp_path / 'empty.db'}"
    assert "Imported 1 episode, 1 pain score" in ok(other, "import", str(first))
    second = tmp_path / "second.json"
    ok(other, "export", "--json", str(second))
    assert first.read_text() == second.read_text()
    # Import into a diary that is not empty: refused, unless --replace.
    r = bs(db_url, "import", str(first))
    assert r.exit_code == 2 and "expected an empty diary" in r.stderr
    ok(db_url, "import", str(first), "--replace")
    assert export(db_url) == json.loads(first.read_text())


def test_a_bad_import_changes_nothing(db_url, tmp_path):
    ok(db_url, "log", "pain", "3")
    before = export(db_url)
    bad = dict(before, pain=before["pain"] + [{"at": iso(1), "score": 99}])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    r = bs(db_url, "import", str(path), "--replace")
    assert r.exit_code == 2 and r.stderr.startswith("Error: pain[1].score: expected")
    path.write_text("{not json")
    r = bs(db_url, "import", str(path))
    assert r.exit_code == 2 and r.stderr.startswith("Error: FILE: expected JSON")
    assert export(db_url) == before


def test_forget_yes_deletes_everything(db_url):
    ok(db_url, "episode", "start", "--at", iso(3))
    ok(db_url, "log", "pain", "3")
    assert "Deleted 1 episode, 1 pain score" in ok(db_url, "forget", "--yes")
    doc = export(db_url)
    assert doc["episodes"] == [] and doc["pain"] == []


def test_a_finished_timer_is_logged_in_the_diary(db_url):
    r = subprocess.run(
        [sys.executable, "-m", "backspasm", "timer", "ice", "--minutes", "0.01"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "BACKSPASM_DATABASE_URL": db_url},
    )
    assert r.returncode == 0, r.stderr
    [care] = export(db_url)["care"]
    assert care["kind"] == "ice" and care["minutes"] == 1


def test_the_cli_module_imports_no_heavy_packages():
    code = ("import sys, backspasm.cli; backspasm.cli._register(); "
            "print(sorted(m for m in ('sqlalchemy', 'rich', 'fastapi') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_the_log_commands_are_the_diarys_care_kinds():
    """`backspasm log KIND` is registered in code (help text per kind, no knowledge load at
    start-up); this keeps it equal to the one vocabulary in plan.yaml, plus `log pain`."""
    from backspasm.cli.log import log_app
    from backspasm.knowledge import load_knowledge

    commands = {c.name for c in log_app.registered_commands}
    assert commands == set(load_knowledge().vocabulary.care_kinds) | {"pain"}


def _diary_on_sqlite(tmp_path) -> str:
    """A SQLite diary as a command usually finds it: migrated, the local profile made, an
    open episode and a pain score."""
    db = tmp_path / "diary.db"
    with open_store(f"sqlite:///{db}") as s:
        p = s.ensure_profile("local", tz="Europe/London")
        s.start_episode(p.id, onset=datetime.now(UTC) - timedelta(hours=30))
        s.log_pain(p.id, score=4, at=datetime.now(UTC) - timedelta(hours=1))
    return str(db)


def _loaded(command: list[str], db: str, modules: list[str]) -> tuple[str, list[str]]:
    """Run ``backspasm COMMAND --db DB`` in a fresh interpreter, as the console script
    does; (its output, which of ``modules`` it imported)."""
    code = (
        "import sys\n"
        f"sys.argv = ['backspasm', *{command!r}, '--db', {db!r}]\n"
        "from backspasm.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"modules = {modules!r}\n"
        "sys.stderr.write('loaded: ' + repr([m for m in modules if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert out.returncode == 0, out.stderr
    loaded = out.stderr.rsplit("loaded: ", 1)[1].strip()
    return out.stdout, json.loads(loaded.replace("'", '"'))


@pytest.mark.parametrize("command", [["log", "pain", "5"], ["status"], ["status", "--json"],
                                     ["diary"], ["diary", "--json"]])
def test_log_pain_status_and_diary_on_sqlite_do_not_import_sqlalchemy(tmp_path, command):
    """On a SQLite diary at the newest schema, ``log pain``, ``status`` and ``diary`` run on
    the stdlib path (``store.lite``): no SQLAlchemy, Alembic or psycopg (SQLAlchemy alone
    is ~200 ms of a 250 ms budget, issue 12), and with a warm knowledge cache no YAML."""
    db = _diary_on_sqlite(tmp_path)
    heavy = ["sqlalchemy", "alembic", "psycopg", "yaml", "jsonschema", "fastapi",
             "pydantic", "backspasm.store.repository", "backspasm.store.models"]
    if command[0] in ("log", "diary"):  # writing or listing entries needs no triage
        heavy.append("backspasm.core.answers")
    _loaded(command, db, [])  # a first run fills the knowledge cache (then no YAML)
    out, loaded = _loaded(command, db, [*heavy, "backspasm.store.lite"])
    assert loaded == ["backspasm.store.lite"], loaded  # the diary was opened, on that path
    assert out.strip()


@pytest.mark.parametrize("command", [["episode", "start"], ["log", "ice"]])
def test_other_diary_commands_on_sqlite_import_neither_the_orm_nor_postgresql(tmp_path,
                                                                             command):
    """The other diary commands on SQLite run on SQLAlchemy Core alone: the ORM, the
    PostgreSQL dialects and psycopg (tens of milliseconds of every command's start-up) stay
    unloaded."""
    db = _diary_on_sqlite(tmp_path)
    if command == ["episode", "start"]:
        with open_store(f"sqlite:///{db}") as s:
            s.end_episode(s.ensure_profile("local").id, at=datetime.now(UTC))
    heavy = ["sqlalchemy.orm", "sqlalchemy.dialects.postgresql", "psycopg", "alembic"]
    _, loaded = _loaded(command, db, [*heavy, "sqlalchemy.engine"])
    assert loaded == ["sqlalchemy.engine"], loaded  # the diary was opened by the store


_CELL = st.lists(st.sampled_from([*"ab 0:/-é✓日[]\n\t", ":smile:", "😀", "x" * 30,
                                  "Thu 26 Nov 09:48", "after a long walk"]),
                 max_size=6).map("".join)
_TWO_ROWS = [("Thu 26 Nov 09:48", "pain", "5/10", "after a long walk in the park"),
             ("Thu 26 Nov 10:48", "medicine", "ibuprofen", "")]


@settings(max_examples=300, deadline=None)
@example(rows=_TWO_ROWS, width=40, terminal=False)  # too wide: rich wraps row by row
@example(rows=_TWO_ROWS, width=80, terminal=True)
@given(rows=st.lists(st.tuples(_CELL, _CELL, _CELL, _CELL), max_size=12),
       width=st.sampled_from([20, 40, 80, 200]), terminal=st.booleans())
def test_diary_table_is_drawn_as_rich_draws_it_row_by_row(rows, width, terminal):
    """``backspasm diary`` hands plain rows to rich as one row of multi-line cells (much
    cheaper); what is printed is exactly what rich prints row by row, in a terminal or not,
    wide or narrow, whatever the cells hold."""
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from backspasm.cli.diary import add_rows

    heads = ["When", "What", "Detail", "Note"]

    def draw(fill) -> str:
        out = Console(highlight=False, file=io.StringIO(), width=width,
                      force_terminal=terminal, color_system="truecolor" if terminal else None)
        table = Table(title="Your diary, last 7 days (Europe/London)")
        for head in heads:
            table.add_column(head)
        fill(table)
        try:
            out.print(table)
        except Exception as exc:  # e.g. rich's MarkupError for "[/a]": the same either way
            return repr(exc)
        return out.file.getvalue()

    def row_by_row(table) -> None:
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))

    assert draw(lambda table: add_rows(table, heads, rows, width)) == draw(row_by_row)


def test_diary_shows_notes_and_medicines_as_typed(tmp_path):
    """Text a person typed is text: rich markup or emoji codes in a note or a medicine's
    name are shown as they are, and never stop the diary from printing."""
    db = f"sqlite:///{tmp_path / 'diary.db'}"
    typed = ["[/a]", "[bold]strong[/bold]", ":smile: after :thumbs_up:", "a [link] b"]
    for note in typed:
        ok(db, "log", "pain", "4", "--note", note)
    ok(db, "log", "medicine", "[red]x[/red]", "--note", "[/]")
    wide = runner.invoke(app, ["diary", "--db", db], env={"COLUMNS": "200"})
    assert wide.exit_code == 0, wide.stdout
    for note in [*typed, "[red]x[/red]", "[/]"]:
        assert note in wide.stdout
    # Too narrow for one line a row: rich wraps row by row, and still prints.
    narrow = runner.invoke(app, ["diary", "--db", db], env={"COLUMNS": "30"})
    assert narrow.exit_code == 0 and "[/a]" in narrow.stdout, narrow.stdout


def test_diary_table_of_many_entries_is_one_rich_row(tmp_path):
    """(The cheap path is taken for an ordinary diary: not only the fallback is tested.)"""
    from rich.table import Table

    from backspasm.cli.diary import add_rows

    table = Table()
    for head in ("When", "What", "Detail", "Note"):
        table.add_column(head)
    add_rows(table, ["When", "What", "Detail", "Note"],
             [("Thu 26 Nov 09:48", "pain", "5/10", "")] * 300, 80)
    assert table.row_count == 1
