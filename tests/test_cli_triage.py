"""`backspasm triage`, `rules` and `sources` as a person runs them (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backspasm.knowledge import load_knowledge

NOW = "2026-11-25T12:00:00+00:00"
KB = load_knowledge()


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backspasm", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(tmp_path: Path, answers: object) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    return str(path)


def test_answers_file_json_prints_the_result_object(tmp_path: Path) -> None:
    f = write(
        tmp_path, {"age": 35, "onset": "2026-11-22T04:00:00+00:00", "pain_now": 6, "now": NOW}
    )
    out = cli("triage", "--answers", f, "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["level"] == "consultation"
    assert [r["rule"] for r in result["reasons"]] == ["lasting-over-72h"]
    assert result["reasons"][0]["sources"] == ["S-HOME"]
    assert result["knowledge_version"] == KB.version
    assert result["advice"] and result["phase"] == "recovery"


def test_answers_from_stdin_and_region() -> None:
    out = cli("triage", "--answers", "-", "--json", "--region", "US", stdin='{"chest_pain": true}')
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["level"] == "emergency_ambulance"
    assert result["care_card"]["emergency_number"] == "911"
    assert "advice" not in result


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        ('{"pain_now": 11}', "pain_now"),
        ('{"sadle_numbness": true}', "sadle_numbness"),
        ('{"age": true}', "age"),
        ('{"onset": "2026-11-25T08:00:00"}', "onset"),
        ('{"now": "2026-11-25T12:00:00Z", "onset": "2026-11-25T13:00:00Z"}', "onset"),
        ("[1, 2]", "answers"),
        ("{not json", "answers"),
    ],
)
def test_bad_input_exit_2_names_the_field_no_traceback(stdin: str, field: str) -> None:
    out = cli("triage", "--answers", "-", "--json", stdin=stdin)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith(f"Error: {field}:")
    assert "Traceback" not in out.stderr


def test_missing_file_and_bad_region_and_bad_now(tmp_path: Path) -> None:
    out = cli("triage", "--answers", str(tmp_path / "nope.json"))
    assert out.returncode == 2 and out.stderr.startswith("Error: --answers:")
    out = cli("triage", "--answers", "-", "--region", "XX", stdin="{}")
    assert out.returncode == 2 and out.stderr.startswith("Error: region:")
    out = cli("triage", "--answers", "-", "--now", "yesterday", stdin="{}")
    assert out.returncode == 2 and out.stderr.startswith("Error: --now:")


def test_result_card_in_words(tmp_path: Path) -> None:
    f = write(tmp_path, {"leg_symptoms": "one_leg", "now": NOW})
    out = cli("triage", "--answers", f)
    assert out.returncode == 0, out.stderr
    card = KB["care_cards"]["levels"][-1]
    assert card["heading"] in out.stdout
    assert "sciatica" in out.stdout and "NHS-BACKPAIN" in out.stdout


def test_interactive_asks_one_question_at_a_time_and_stops_at_an_emergency() -> None:
    # no chest pain, no fainting, then "not sure" about saddle numbness -> emergency at once
    out = cli("triage", "--now", NOW, stdin="n\n2\n?\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("Question ") == 3
    assert "Do you have chest pain?" in out.stdout
    assert "Go to A&E" in out.stdout
    assert "not sure" in out.stdout


def test_interactive_reasks_after_a_bad_answer_and_json_result() -> None:
    answers = ["maybe", "n"] + ["n"] * 3 + ["1", "1"] + ["n"] * 4  # to cancer_history
    # age, sexual function, pregnant, fragile bones, onset, pain, trend, unbearable, trigger
    answers += ["40", "n", "n", "n", "80", "5", "2", "n", "1"] + ["n"] * 5 + ["1"]
    out = cli("triage", "--json", "--now", NOW, stdin="\n".join(answers) + "\n")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["level"] == "consultation"
    assert [r["rule"] for r in result["reasons"]] == ["lasting-over-72h"]
    assert "Please try again" in out.stderr  # prompts go to stderr with --json


def test_interactive_input_ending_early_is_a_clean_error() -> None:
    out = cli("triage", "--now", NOW, stdin="n\n")
    assert out.returncode == 2
    assert out.stderr.startswith("Error:") and "Traceback" not in out.stderr


def test_rules_table_lists_every_rule_with_sources() -> None:
    out = cli("rules", "--json")
    assert out.returncode == 0
    rules = json.loads(out.stdout)["rules"]
    assert [r["id"] for r in rules] == [r["id"] for r in KB["rules"]["rules"]]
    by_id = {r["id"]: r for r in rules}
    assert by_id["lasting-over-72h"]["condition"] == (
        "hours_since_onset > 72 (acute_hours) and not (pain_now is 0)"
    )
    table = cli("rules")
    assert table.returncode == 0
    for rule in KB["rules"]["rules"]:
        assert rule["id"] in table.stdout


def test_sources_lists_every_source() -> None:
    out = cli("sources", "--json")
    assert out.returncode == 0
    assert [s["id"] for s in json.loads(out.stdout)["sources"]] == list(KB.sources)
    table = cli("sources")
    for sid in KB.sources:
        assert sid in table.stdout


def test_answers_path_stays_light(tmp_path) -> None:
    """The --answers --json path must not import heavy packages (cold start budget).

    With no diary yet (or with --region) the diary is not opened; a diary that exists is
    read for its region (core.region), which costs SQLAlchemy's import."""
    code = (
        "import sys, io\n"
        "sys.argv = ['backspasm', 'triage', '--answers', '-', '--json']\n"
        "sys.stdin = io.StringIO('{\"age\": 30}')\n"
        "from backspasm.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('rich.console', 'sqlalchemy', 'fastapi', 'jsonschema', 'weasyprint', 'jinja2')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "sys.stderr.write(repr(heavy))\n"
    )
    env = {**os.environ, "BACKSPASM_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.stderr.strip().endswith("[]"), out.stderr
