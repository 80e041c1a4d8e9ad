"""core.flow.journey_state: the one decision after every answer and every change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backspasm.core.answers import parse_answers
from backspasm.core.flow import Outcome, Question, journey_state, questions, relevant_answers
from backspasm.core.triage import triage
from backspasm.knowledge import load_knowledge

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KB = load_knowledge()
FOLLOW_UPS = ("weakness_getting_worse", "abdominal_pain", "first_episode_ever")
#: Every question on the route of someone under 50 answered, with no signs.
NO_SIGNS: dict[str, Any] = {
    **{q.id: False for q in questions(KB) if q.kind == "yes_no" and q.id not in FOLLOW_UPS},
    "leg_symptoms": "none", "leg_weakness": "none", "age": 40,
    "onset": "2026-11-24T12:00:00+00:00", "pain_now": 4, "pain_trend": "same",
    "trigger": "lifting", "episodes_past_3_months": 1,
}


def test_complete_answers_without_signs_go_to_check() -> None:
    state = journey_state({**NO_SIGNS, **dict.fromkeys(FOLLOW_UPS, False)}, KB, now=NOW)
    assert state.page == "check" and not state.emergency
    # Follow-ups not on this route were dropped.
    assert state.answers == NO_SIGNS


def test_a_change_to_an_emergency_answer_is_an_emergency_when_all_is_answered() -> None:
    """The loop of issue 8: every question answered, then chest pain changed to yes."""
    for field, value in [("chest_pain", True), ("bladder_bowel_change", True),
                         ("leg_symptoms", "both_legs")]:
        state = journey_state({**NO_SIGNS, field: value}, KB, now=NOW)
        assert isinstance(state.step, Outcome) and state.step.emergency, field
        assert state.page == "emergency"
    state = journey_state({**NO_SIGNS, "chest_pain": False}, KB, now=NOW,
                          unsure={"chest_pain"})
    assert state.page == "emergency"


def test_a_change_that_opens_a_follow_up_keeps_the_answers_after_it() -> None:
    state = journey_state({**NO_SIGNS, "leg_weakness": "one_leg"}, KB, now=NOW)
    assert isinstance(state.step, Question) and state.step.id == "weakness_getting_worse"
    assert state.answers["pain_now"] == 4 and state.answers["trigger"] == "lifting"


def test_answers_off_the_route_are_dropped_with_their_not_sure() -> None:
    answers = {**NO_SIGNS, "age": 60, "first_episode_ever": False}
    kept, unsure = relevant_answers(answers, KB, now=NOW, unsure={"abdominal_pain"})
    assert unsure == {"abdominal_pain"} and kept == answers
    kept, unsure = relevant_answers({**answers, "age": 40}, KB, now=NOW,
                                    unsure={"abdominal_pain"})
    assert unsure == frozenset() and "first_episode_ever" not in kept


_FLAGS = [q.id for q in questions(KB) if q.kind == "yes_no"]
_CHANGES = st.fixed_dictionaries({}, optional={
    **{f: st.booleans() for f in _FLAGS},
    "age": st.integers(0, 120),
    "leg_symptoms": st.sampled_from(["none", "one_leg", "both_legs"]),
    "leg_weakness": st.sampled_from(["none", "one_leg", "both_legs"]),
    "pain_now": st.integers(0, 10),
})


@settings(max_examples=200, deadline=None)
@given(st.booleans(), _CHANGES, st.sets(st.sampled_from([q.id for q in questions(KB)
                                                         if q.not_sure])))
def test_state_is_stable_and_agrees_with_triage(complete: bool, changes: dict[str, Any],
                                                 unsure: set[str]) -> None:
    answers = {**(NO_SIGNS if complete else {}), **changes}
    answers = {k: v for k, v in answers.items() if k not in unsure}
    state = journey_state(answers, KB, now=NOW, unsure=unsure)
    # Dropping is done once: the kept answers give the same state again.
    again = journey_state(state.answers, KB, now=NOW, unsure=state.unsure)
    assert again == state
    result = triage(parse_answers(state.answers, default_now=NOW), KB, unsure=state.unsure)
    assert state.emergency == result.emergency
    if isinstance(state.step, Outcome):
        assert state.step.result == result
    else:
        assert state.step.id not in state.answers and state.step.id not in state.unsure
        assert [q.id for q in state.asked] == [
            q for q in [x.id for x in questions(KB)] if q in {a.id for a in state.asked}]
