"""The triage engine: scenario cases in data, result shape, regions, "not sure", properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from backspasm.core.answers import AnswersError, parse_answers
from backspasm.core.plan import steps_for_phase
from backspasm.core.triage import LEVELS, level_rank, triage
from backspasm.knowledge import load_knowledge

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CASES = yaml.safe_load((Path(__file__).parent / "data" / "triage_cases.yaml").read_text())["cases"]
KB = load_knowledge()


def run(raw: dict[str, Any], **kw: Any):
    return triage(parse_answers(raw, default_now=NOW), KB, **kw)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.get("expected") != "error"], ids=lambda c: c["id"]
)
def test_scenario(case: dict[str, Any]) -> None:
    result = run(case["answers"], unsure=frozenset(case.get("unsure", ())))
    assert result.level == case["level"]
    assert [r.rule for r in result.reasons] == case["rules"]


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.get("expected") == "error"], ids=lambda c: c["id"]
)
def test_scenario_bad_input(case: dict[str, Any]) -> None:
    with pytest.raises(AnswersError) as info:
        run(case["answers"])
    assert info.value.field == case["field"]
    assert str(info.value).startswith(case["field"] + ":")


def test_output_is_the_spec_object_plus_extras() -> None:
    out = run(
        {"onset": "2026-11-25T06:00:00+00:00", "pain_trend": "worse", "pain_now": 4}
    ).to_dict()
    assert set(out) == {
        "level",
        "reasons",
        "knowledge_version",
        "care_card",
        "unsure",
        "phase",
        "hours_since_onset",
        "advice",
    }
    assert out["level"] == "consultation"
    assert out["reasons"] == [
        {
            "rule": "getting-worse",
            "level": "consultation",
            "text": KB.data["rules"]["rules"][
                [r["id"] for r in KB.data["rules"]["rules"]].index("getting-worse")
            ]["text"],
            "sources": ["NHS-BACKPAIN"],
            "unsure": [],
        }
    ]
    assert out["knowledge_version"] == KB.version
    assert out["hours_since_onset"] == 6.0


def test_reasons_most_urgent_first() -> None:
    result = run({"pregnant": True, "fever_or_unwell": True, "serious_accident": True})
    ranks = [level_rank(r.level) for r in result.reasons]
    assert ranks == sorted(ranks)
    assert result.level == result.reasons[0].level == "emergency"


def test_emergency_has_what_to_do_and_no_self_care_plan() -> None:
    result = run({"bladder_bowel_change": True, "onset": "2026-11-25T06:00:00+00:00"})
    out = result.to_dict()
    assert result.emergency
    assert "advice" not in out and "phase" not in out
    assert out["care_card"]["do_now"] and out["care_card"]["emergency"] is True


@pytest.mark.parametrize(
    ("onset", "pain_now", "phase", "easing"),
    [
        ("2026-11-25T06:00:00+00:00", 6, "acute", False),
        ("2026-11-22T12:00:00+00:00", 6, "recovery", False),  # exactly 72 h: recovery starts
        ("2026-11-21T12:00:00+00:00", 2, "recovery", True),
    ],
)
def test_advice_is_the_plan_steps_for_the_phase(
    onset: str, pain_now: int, phase: str, easing: bool
) -> None:
    result = run({"onset": onset, "pain_now": pain_now, "fever_or_unwell": True})
    assert result.level == "consultation_24"
    assert result.phase == phase
    assert list(result.advice) == steps_for_phase(KB, phase, easing=easing)


def test_advice_changes_with_the_phase() -> None:
    acute = run({"onset": "2026-11-25T06:00:00+00:00"}).advice
    recovery = run({"onset": "2026-11-21T06:00:00+00:00", "pain_now": 0}).advice
    assert {s["id"] for s in acute} != {s["id"] for s in recovery}


@pytest.mark.parametrize(
    ("region", "number"), [("GB", "999"), ("US", "911"), ("EU", "112"), ("us", "911")]
)
def test_region_emergency_number_on_the_card(region: str, number: str) -> None:
    card = run({"chest_pain": True}, region=region).care_card
    assert card["emergency_number"] == number
    assert number in card["heading"]


def test_unknown_region_is_an_error() -> None:
    with pytest.raises(AnswersError) as info:
        run({}, region="XX")
    assert info.value.field == "region"


def test_not_sure_counts_as_yes_and_the_result_says_so() -> None:
    result = run({}, unsure={"fever_or_unwell"})
    assert result.level == "consultation_24"
    out = result.to_dict()
    assert out["unsure"] == ["fever_or_unwell"]
    assert out["care_card"]["unsure_note"]
    assert run({}).to_dict()["care_card"]["unsure_note"] is None


def test_not_sure_only_for_yes_no_fields() -> None:
    with pytest.raises(AnswersError) as info:
        run({}, unsure={"age"})
    assert info.value.field == "age"
    with pytest.raises(AnswersError):
        run({}, unsure={"sadle_numbness"})


def test_pure_same_answers_same_result() -> None:
    raw = {"age": 60, "abdominal_pain": True, "onset": "2026-11-20T06:00:00+00:00"}
    assert run(raw).to_dict() == run(dict(reversed(list(raw.items())))).to_dict()


# --- property: adding a warning sign never lowers the level -------------------------------
FLAGS = [
    "pain_unbearable",
    "rest_does_not_help_or_worse_at_night",
    "worse_coughing_sneezing",
    "pain_between_shoulder_blades",
    "first_episode_ever",
    "serious_accident",
    "osteoporosis_or_steroids",
    "weakness_getting_worse",
    "saddle_numbness",
    "bladder_bowel_change",
    "sexual_function_change",
    "fever_or_unwell",
    "unexplained_weight_loss",
    "cancer_history",
    "immunosuppressed_or_iv_drugs",
    "chest_pain",
    "abdominal_pain",
    "fainting_or_collapse",
    "lump_or_changed_shape",
    "pregnant",
]
WORSENINGS = (
    [(f, True) for f in FLAGS]
    + [("leg_symptoms", "one_leg"), ("leg_symptoms", "both_legs")]
    + [("leg_weakness", "one_leg"), ("leg_weakness", "both_legs")]
    + [("pain_trend", "worse"), ("trigger", "fall"), ("trigger", "lifting")]
)

answers_strategy = st.fixed_dictionaries(
    {},
    optional={
        "age": st.integers(0, 120),
        "onset": st.integers(0, 300 * 60).map(lambda m: (NOW - timedelta(minutes=m)).isoformat()),
        "pain_now": st.integers(0, 10),
        "pain_trend": st.sampled_from(["better", "same", "worse"]),
        "episodes_past_3_months": st.integers(1, 10),
        "trigger": st.sampled_from(
            ["lifting", "twisting", "sport", "sudden_movement", "fall", "unknown"]
        ),
        "leg_symptoms": st.sampled_from(["none", "one_leg", "both_legs"]),
        "leg_weakness": st.sampled_from(["none", "one_leg", "both_legs"]),
        **{f: st.booleans() for f in FLAGS},
    },
)


def _worse_than(raw: dict[str, Any], field: str, value: Any) -> bool:
    """Whether setting field=value adds a sign (not replace a worse one by a milder one)."""
    order = {"none": 0, "one_leg": 1, "both_legs": 2}
    old = raw.get(field)
    if field in ("leg_symptoms", "leg_weakness"):
        return old is None or order[value] >= order[old]
    if field == "trigger":
        return old not in ("lifting", "fall")  # a strain trigger is the warning sign
    return True


@settings(max_examples=300, deadline=None)
@given(answers_strategy, st.sampled_from(WORSENINGS), st.sampled_from(["no", "unsure"]))
def test_adding_a_warning_sign_never_lowers_the_level(raw, change, how) -> None:
    field, value = change
    if not _worse_than(raw, field, value):
        return
    before = run(raw)
    if how == "unsure" and value is True:
        after = run(raw, unsure={field})  # "not sure" on top of the same answers
    else:
        after = run({**raw, field: value})
    assert level_rank(after.level) <= level_rank(before.level)
    assert set(LEVELS) >= {after.level}


@settings(max_examples=200, deadline=None)
@given(answers_strategy, st.integers(0, 10))
def test_pain_rising_never_lowers_the_level(raw, pain) -> None:
    old = raw.get("pain_now", 0)
    if pain < old:
        return
    before = run({**raw, "pain_now": old})
    after = run({**raw, "pain_now": pain})
    assert level_rank(after.level) <= level_rank(before.level)
