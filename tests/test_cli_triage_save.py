"""`backspasm triage --save` keeps the result in the diary, and `status` compares with it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from backspasm.cli import _register, app

_register()
runner = CliRunner()


def _iso(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()


def _run(db: str, *args: str, input: str | None = None):
    r = runner.invoke(app, [*args, "--db", db], input=input)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    return r.stdout


def test_saved_triage_is_in_the_diary_and_status_compares_with_it(db_url):
    answers = {"age": 40, "pregnant": True, "onset": _iso(5), "pain_now": 4}
    out = json.loads(_run(db_url, "triage", "--answers", "-", "--json", "--save",
                          input=json.dumps(answers)))
    assert out["level"] == "consultation"
    saved = json.loads(_run(db_url, "export", "--json", "-"))["triage"]
    assert len(saved) == 1
    assert saved[0]["level"] == "consultation" and saved[0]["rules"] == ["pregnancy"]
    assert saved[0]["answers"]["pregnant"] is True
    assert saved[0]["knowledge_version"] == out["knowledge_version"]
    rep = json.loads(_run(db_url, "status", "--json"))
    assert rep["previous_level"] == "consultation"


def test_answers_file_does_not_save_unless_asked(db_url):
    _run(db_url, "triage", "--answers", "-", "--json", input=json.dumps({"age": 30}))
    assert json.loads(_run(db_url, "export", "--json", "-"))["triage"] == []


def test_bad_answers_save_nothing(db_url):
    r = runner.invoke(app, ["triage", "--answers", "-", "--save", "--db", db_url],
                      input=json.dumps({"age": "thirty"}))
    assert r.exit_code == 2 and "age" in r.stderr
    assert json.loads(_run(db_url, "export", "--json", "-"))["triage"] == []
