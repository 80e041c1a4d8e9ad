"""The question flow: reachability, emergency stops, follow-ups, form values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backspasm.core.answers import AnswersError, parse_answers
from backspasm.core.flow import (
    Outcome,
    Question,
    apply_answer,
    is_emergency_now,
    next_question,
    next_step,
    parse_form_value,
    path,
    question,
    questions,
)
from backspasm.core.triage import LEVELS, triage
from backspasm.knowledge import load_knowledge

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KB = load_knowledge()


def default_value(q: Question, age: int) -> str:
    if q.id == "age":
        return str(age)
    if q.kind == "yes_no":
        return "no"
    if q.kind == "choice":
        return "none" if q.id.startswith("leg_") else q.options[0].value
    return str(q.minimum)


def candidates(q: Question) -> list[str]:
    if q.options:
        return [o.value for o in q.options]
    if q.id == "age":
        return ["15", "49", "50"]
    if q.kind == "hours_ago":
        return ["0", "72", "80"]
    return [str(q.minimum), str(q.maximum)]


def run_flow(overrides: dict[str, str], age: int) -> tuple[list[str], Outcome]:
    """Answer each question with its override or a harmless default; check stops as we go."""
    answers: dict[str, Any] = {}
    unsure: frozenset[str] = frozenset()
    asked: list[str] = []
    while True:
        step = next_step(answers, KB, now=NOW, unsure=unsure)
        if isinstance(step, Outcome):
            return asked, step
        assert not is_emergency_now(answers, KB, now=NOW, unsure=unsure), "asked after an emergency"
        asked.append(step.id)
        answers, unsure = apply_answer(
            answers, unsure, step, overrides.get(step.id, default_value(step, age)), now=NOW
        )


def all_runs() -> list[tuple[dict[str, str], list[str], Outcome]]:
    runs = []
    for age in (30, 60):
        runs.append(({}, *run_flow({}, age)))
        for q in questions(KB):
            for value in candidates(q):
                extra = {"leg_weakness": "one_leg"} if q.id == "weakness_getting_worse" else {}
                overrides = {**extra, q.id: value}
                runs.append((overrides, *run_flow(overrides, age)))
    return runs


RUNS = all_runs()


def test_every_question_is_reachable() -> None:
    asked = {qid for _, seq, _ in RUNS for qid in seq}
    assert asked == {q.id for q in questions(KB)}


def test_every_outcome_is_reachable() -> None:
    levels = {out.result.level for _, _, out in RUNS}
    assert levels == set(LEVELS)
    assert {out.stopped_early for _, _, out in RUNS} == {True, False}


def test_an_emergency_answer_ends_the_flow_at_once() -> None:
    for overrides, seq, out in RUNS:
        if out.result.emergency:
            assert out.stopped_early
            # the last question asked is the one whose answer made it an emergency
            assert seq[-1] in overrides, (overrides, seq)


def test_chest_pain_first_question_then_stop() -> None:
    first = next_question({}, KB, now=NOW)
    assert first is not None and first.id == "chest_pain"
    step = next_step({"chest_pain": True}, KB, now=NOW)
    assert isinstance(step, Outcome) and step.stopped_early
    assert step.result.level == "emergency_ambulance"
    assert next_question({"chest_pain": True}, KB, now=NOW) is None


def test_not_sure_on_an_emergency_sign_stops_the_flow() -> None:
    answers, unsure = apply_answer({}, (), question(KB, "chest_pain"), "no", now=NOW)
    answers, unsure = apply_answer(
        answers, unsure, question(KB, "fainting_or_collapse"), "no", now=NOW
    )
    answers, unsure = apply_answer(
        answers, unsure, question(KB, "saddle_numbness"), "not_sure", now=NOW
    )
    step = next_step(answers, KB, now=NOW, unsure=unsure)
    assert isinstance(step, Outcome) and step.result.level == "emergency"
    assert step.result.unsure == ("saddle_numbness",)


def test_emergency_questions_come_before_all_others() -> None:
    seq, _ = run_flow({"leg_weakness": "one_leg"}, 60)
    sections = [question(KB, qid).section for qid in seq]
    last_emergency = max(i for i, s in enumerate(sections) if s == "emergency")
    first_other = min(i for i, s in enumerate(sections) if s != "emergency")
    assert last_emergency < first_other


def _fields(cond: Any) -> set[str]:
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        return set().union(*(_fields(c) for c in arg))
    if op == "not":
        return _fields(arg)
    return {arg} if op == "flag" else {arg[0]}


def test_every_sign_of_an_emergency_rule_is_an_emergency_question() -> None:
    for rule in KB["rules"]["rules"]:
        if rule["level"] in ("emergency", "emergency_ambulance"):
            for field in _fields(rule["when"]):
                assert question(KB, field).section == "emergency", (rule["id"], field)


@pytest.mark.parametrize(
    ("follow_up", "parent", "asked_for", "not_asked_for"),
    [
        ("weakness_getting_worse", "leg_weakness", ["one_leg"], ["none"]),
        ("first_episode_ever", "age", ["50", "90"], ["49", "30"]),
        ("abdominal_pain", "age", ["50"], ["49"]),
    ],
)
def test_follow_ups_only_when_relevant(follow_up, parent, asked_for, not_asked_for) -> None:
    for value in asked_for:
        seq, _ = run_flow({parent: value}, 30)
        assert follow_up in seq and seq.index(parent) < seq.index(follow_up)
    for value in not_asked_for:
        seq, _ = run_flow({parent: value}, 30)
        assert follow_up not in seq


def test_the_flow_outcome_is_the_triage_of_the_answers() -> None:
    answers = {q: False for q in ("chest_pain", "fainting_or_collapse", "saddle_numbness")}
    answers.update(
        bladder_bowel_change=False,
        sexual_function_change=False,
        leg_symptoms="one_leg",
        leg_weakness="none",
        serious_accident=False,
        age=40,
        pregnant=True,
    )
    flow_answers = dict(answers)
    for q in questions(KB):
        flow_answers.setdefault(q.id, False if q.kind == "yes_no" else None)
    flow_answers = {k: v for k, v in flow_answers.items() if v is not None}
    flow_answers.update(
        onset="2026-11-25T06:00:00+00:00",
        pain_now=5,
        pain_trend="same",
        trigger="twisting",
        episodes_past_3_months=1,
    )
    step = next_step(flow_answers, KB, now=NOW)
    assert isinstance(step, Outcome) and not step.stopped_early
    expected = triage(parse_answers(flow_answers, default_now=NOW), KB)
    assert step.result == expected
    assert step.result.level == "consultation"


def test_path_lists_answers_in_route_order() -> None:
    seq, _ = run_flow({}, 60)
    answers: dict[str, Any] = {}
    unsure: frozenset[str] = frozenset()
    for qid in seq[:12]:
        q = question(KB, qid)
        answers, unsure = apply_answer(answers, unsure, q, default_value(q, 60), now=NOW)
    assert [q.id for q in path(answers, KB, now=NOW, unsure=unsure)] == seq[:12]


def test_bad_answers_in_the_flow_are_rejected() -> None:
    with pytest.raises(AnswersError) as info:
        next_step({"chest_pain": "no"}, KB, now=NOW)
    assert info.value.field == "chest_pain"
    with pytest.raises(AnswersError):
        question(KB, "nope")


# --- form values ---------------------------------------------------------------------------
def test_yes_no_not_sure() -> None:
    q = question(KB, "saddle_numbness")
    assert parse_form_value(q, "yes", now=NOW).value is True
    assert parse_form_value(q, "no", now=NOW).value is False
    assert parse_form_value(q, "not_sure", now=NOW).not_sure


def test_not_sure_only_where_offered() -> None:
    q = question(KB, "cancer_history")
    assert not q.not_sure
    with pytest.raises(AnswersError) as info:
        parse_form_value(q, "not_sure", now=NOW)
    assert info.value.field == "cancer_history"


@pytest.mark.parametrize(
    ("qid", "raw"),
    [
        ("chest_pain", "true"),
        ("chest_pain", ""),
        ("leg_symptoms", "left"),
        ("pain_now", "7.5"),
        ("pain_now", "11"),
        ("pain_now", "-1"),
        ("pain_now", "seven"),
        ("age", "٣"),
        ("onset", "-3"),
        ("onset", "2026-11-25T13:00:00Z"),
        ("episodes_past_3_months", "0"),
    ],
)
def test_bad_form_values_name_the_question(qid: str, raw: str) -> None:
    with pytest.raises(AnswersError) as info:
        parse_form_value(question(KB, qid), raw, now=NOW)
    assert info.value.field == qid
    assert str(info.value).startswith(f"{qid}: expected")


def test_numbers_and_hours_ago() -> None:
    assert parse_form_value(question(KB, "pain_now"), " 7 ", now=NOW).value == 7
    onset = parse_form_value(question(KB, "onset"), "80", now=NOW).value
    assert parse_answers({"onset": onset}, default_now=NOW).hours_since_onset == 80
    stamp = "2026-11-25T09:00:00+01:00"
    assert parse_form_value(question(KB, "onset"), stamp, now=NOW).value == stamp


@pytest.mark.parametrize(("raw", "hours"), [
    ("3 days", 72), ("1 day", 24), ("2d", 48), ("5 hours", 5), ("72h", 72), ("6", 6),
    ("4 DAYS", 96), ("3 days ago", 72), ("90 days", 2160),
])
def test_onset_in_hours_or_days(raw: str, hours: int) -> None:
    onset = parse_form_value(question(KB, "onset"), raw, now=NOW).value
    assert parse_answers({"onset": onset}, default_now=NOW).hours_since_onset == hours


@pytest.mark.parametrize("raw", ["91 days", "3 weeks", "days", "-1 days", "1.5 days"])
def test_onset_out_of_range_or_unknown_unit_is_refused(raw: str) -> None:
    with pytest.raises(AnswersError) as err:
        parse_form_value(question(KB, "onset"), raw, now=NOW)
    assert err.value.field == "onset" and "days" in str(err.value)


def test_apply_answer_does_not_change_its_inputs() -> None:
    answers: dict[str, Any] = {"chest_pain": False}
    unsure = frozenset({"saddle_numbness"})
    new, new_unsure = apply_answer(answers, unsure, question(KB, "saddle_numbness"), "yes", now=NOW)
    assert answers == {"chest_pain": False} and unsure == {"saddle_numbness"}
    assert new == {"chest_pain": False, "saddle_numbness": True} and new_unsure == frozenset()


def test_question_to_dict_has_what_a_page_needs() -> None:
    d = question(KB, "chest_pain").to_dict()
    assert {"id", "text", "hint", "why", "options", "not_sure"} <= set(d)
    assert [o["value"] for o in d["options"]] == ["yes", "no", "not_sure"]


# --- property: the flow never asks past an emergency, and ends with the triage result -----
_FLAGS = [q.id for q in questions(KB) if q.kind == "yes_no"]
flow_answers = st.fixed_dictionaries(
    {},
    optional={
        **{f: st.booleans() for f in _FLAGS},
        "age": st.integers(0, 120),
        "leg_symptoms": st.sampled_from(["none", "one_leg", "both_legs"]),
        "leg_weakness": st.sampled_from(["none", "one_leg", "both_legs"]),
        "pain_now": st.integers(0, 10),
    },
)


@settings(max_examples=300, deadline=None)
@given(flow_answers, st.sets(st.sampled_from([q.id for q in questions(KB) if q.not_sure])))
def test_flow_step_agrees_with_triage(answers: dict[str, Any], unsure: set[str]) -> None:
    result = triage(parse_answers(answers, default_now=NOW), KB, unsure=unsure)
    step = next_step(answers, KB, now=NOW, unsure=unsure)
    if result.emergency:
        assert isinstance(step, Outcome) and step.stopped_early
    if isinstance(step, Outcome):
        assert step.result == result
    else:
        assert step.id not in answers and step.id not in unsure
