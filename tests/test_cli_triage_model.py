"""The terminal's triage agrees with the pure engine, whatever a person types (issue 8).

Interactive: hypothesis draws what a person types at each prompt (an option number, y/n/?,
the value itself, a number, now and then something wrong that must be asked again) and
drives ``backspasm triage`` through its prompt. The command must ask exactly the engine's
questions, stop at the first emergency answer, and print the engine's result.
``--answers``: the JSON result for generated answers is the engine's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backspasm.cli import _register, app
from backspasm.core.answers import parse_answers
from backspasm.core.flow import Outcome, apply_answer, next_step, questions
from backspasm.core.triage import triage
from backspasm.knowledge import load_knowledge

_register()
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KB = load_knowledge()
RUNNER = CliRunner()
NUMBERS = {"age": ["15", "30", "49", "50", "70"], "pain_now": ["0", "3", "7", "10"],
           "onset": ["0", "20", "72", "80"], "episodes_past_3_months": ["1", "3"]}
SHORT = {"yes": ["y", "Y", "1"], "no": ["n", "N", "2"], "not_sure": ["?", "3"]}
#: Deterministic in every run: these drive a real command, so each example is costly.
SETTINGS = settings(derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def typed_session(draw: st.DrawFn) -> tuple[list[str], dict[str, Any], frozenset[str], int]:
    """Lines a person types until the engine says the flow has ended; with the answers the
    engine holds then, and how many questions it asked. Most yes/no answers are "no", so
    sessions get past the emergency questions as often as they stop on one."""
    answers: dict[str, Any] = {}
    unsure: frozenset[str] = frozenset()
    lines: list[str] = []
    asked = 0
    while not isinstance(step := next_step(answers, KB, now=NOW, unsure=unsure), Outcome):
        asked += 1
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["maybe", "", "-1", "999"])))  # asked again
        if step.kind == "yes_no":
            values = [o.value for o in step.options]
            value = draw(st.sampled_from(["no"] * 8 + values))
            typed = draw(st.sampled_from([value, *SHORT[value]]))
        elif step.kind == "choice":
            values = [o.value for o in step.options]
            value = draw(st.sampled_from([values[0]] * 4 + values))
            typed = draw(st.sampled_from([value, str(values.index(value) + 1)]))
        else:
            value = typed = draw(st.sampled_from(NUMBERS.get(step.id, [str(step.minimum)])))
        answers, unsure = apply_answer(answers, unsure, step, value, now=NOW)
        lines.append(typed)
    return lines, answers, unsure, asked


def _same_result(out: dict[str, Any], answers: dict[str, Any], unsure: frozenset[str]) -> None:
    expected = triage(parse_answers(answers, default_now=NOW), KB, unsure=unsure).to_dict()
    assert out["level"] == expected["level"]
    assert out["reasons"] == expected["reasons"]
    assert out["unsure"] == expected["unsure"]
    assert ("advice" in out) == (not out["care_card"]["emergency"])


@settings(SETTINGS, max_examples=100)
@given(typed_session())
def test_interactive_triage_asks_the_engines_questions_and_gives_its_result(session) -> None:
    lines, answers, unsure, asked = session
    r = RUNNER.invoke(app, ["triage", "--json", "--no-save", "--now", NOW.isoformat()],
                      input="\n".join(lines) + "\n")
    assert r.exit_code == 0, (r.stdout, r.stderr)
    # Prompts go to standard error with --json; one panel per question asked.
    assert r.stderr.count("Question ") == asked
    _same_result(json.loads(r.stdout), answers, unsure)


@settings(SETTINGS, max_examples=4)
@given(typed_session())
def test_interactive_triage_in_a_real_process(session) -> None:
    lines, answers, unsure, asked = session
    out = subprocess.run([sys.executable, "-m", "backspasm", "triage", "--json", "--no-save",
                          "--now", NOW.isoformat()], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("Question ") == asked
    _same_result(json.loads(out.stdout), answers, unsure)


_FIELDS = {q.id: q for q in questions(KB)}
answer_files = st.fixed_dictionaries({}, optional={
    **{f: st.booleans() for f, q in _FIELDS.items() if q.kind == "yes_no"},
    **{f: st.sampled_from([o.value for o in q.options]) for f, q in _FIELDS.items()
       if q.kind == "choice"},
    "age": st.integers(0, 120), "pain_now": st.integers(0, 10),
    "episodes_past_3_months": st.integers(1, 100),
    "onset": st.sampled_from(["2026-11-25T11:00:00+00:00", "2026-11-22T06:00:00-05:00",
                              "2026-11-21T12:00:00Z"]),
})


@settings(SETTINGS, max_examples=150)
@given(answer_files)
def test_answers_json_gives_the_engines_level(answers: dict[str, Any]) -> None:
    r = RUNNER.invoke(app, ["triage", "--answers", "-", "--json", "--now", NOW.isoformat()],
                      input=json.dumps(answers))
    assert r.exit_code == 0, (r.stdout, r.stderr)
    _same_result(json.loads(r.stdout), answers, frozenset())


@settings(SETTINGS, max_examples=4)
@given(answer_files)
def test_answers_json_in_a_real_process(answers: dict[str, Any]) -> None:
    out = subprocess.run([sys.executable, "-m", "backspasm", "triage", "--answers", "-",
                          "--json", "--now", NOW.isoformat()], input=json.dumps(answers),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    _same_result(json.loads(out.stdout), answers, frozenset())
