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


def _typed_answers(unsure_field: str, now: datetime) -> str:
    """The lines a person types: "?" for ``unsure_field``, "n" for other yes/no questions."""
    from backspasm.core.flow import Outcome, apply_answer, next_step
    from backspasm.knowledge import load_knowledge

    kb = load_knowledge()
    numbers = {"age": "40", "pain_now": "4", "onset": "5"}
    answers: dict = {}
    unsure: frozenset[str] = frozenset()
    lines = []
    while not isinstance(step := next_step(answers, kb, now=now, unsure=unsure), Outcome):
        if step.kind == "yes_no":
            line = "?" if step.id == unsure_field else "n"
            raw = {"?": "not_sure", "n": "no"}[line]
        elif step.kind == "choice":
            line = raw = step.options[0].value
        else:
            line = raw = numbers.get(step.id, str(step.minimum))
        answers, unsure = apply_answer(answers, unsure, step, raw, now=now)
        lines.append(line)
    assert unsure_field in unsure, "the flow never asked the field"
    return "\n".join(lines) + "\n"


def test_not_sure_on_the_terminal_is_saved_and_status_keeps_it_as_yes(db_url):
    """H23/H17: "?" counted as yes; the saved record keeps it, so status does not drop it."""
    now = datetime.now(UTC).replace(microsecond=0)
    typed = _typed_answers("fever_or_unwell", now)
    out = json.loads(_run(db_url, "triage", "--json", "--save", "--now", now.isoformat(),
                          input=typed))
    assert out["unsure"] == ["fever_or_unwell"] and out["level"] == "consultation_24"
    saved = json.loads(_run(db_url, "export", "--json", "-"))["triage"]
    assert saved[0]["unsure"] == ["fever_or_unwell"]
    assert "fever_or_unwell" not in saved[0]["answers"]
    rep = json.loads(_run(db_url, "status", "--json"))
    assert rep["previous_level"] == "consultation_24"
    assert rep["level"] == "consultation_24"  # not lowered by re-running without the "?"


def test_a_saved_result_opens_its_episode_with_its_pain_as_the_web_does(db_url):
    """`triage --save` keeps what the web's confirm keeps: the episode from the answered
    onset (with its trigger) and the pain given; saved again, the same score once."""
    answers = {"age": 40, "onset": _iso(5), "pain_now": 6, "trigger": "lifting"}
    for _ in range(2):
        _run(db_url, "triage", "--answers", "-", "--save", input=json.dumps(answers))
    doc = json.loads(_run(db_url, "export", "--json", "-"))
    (episode,) = doc["episodes"]
    assert episode["ended_at"] is None and episode["trigger"] == "lifting"
    assert abs(datetime.fromisoformat(episode["onset"])
               - datetime.fromisoformat(answers["onset"])) < timedelta(seconds=1)
    assert [p["score"] for p in doc["pain"]] == [6] and len(doc["triage"]) == 2
    rep = json.loads(_run(db_url, "status", "--json"))
    assert rep["pain"]["latest"] == 6


def test_a_saved_emergency_opens_no_episode_and_logs_no_pain(db_url):
    answers = {"onset": _iso(5), "pain_now": 8, "bladder_bowel_change": True}
    _run(db_url, "triage", "--answers", "-", "--save", input=json.dumps(answers))
    doc = json.loads(_run(db_url, "export", "--json", "-"))
    assert doc["episodes"] == [] and doc["pain"] == []
    assert [t["level"] for t in doc["triage"]] == ["emergency"]
