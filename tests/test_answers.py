"""Strict parsing of the answers contract, and agreement with JSON Schema itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backspasm.core.answers import AnswersError, parse_answers, parse_datetime
from backspasm.knowledge.specs_triage import answer_fields

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "src/backspasm/knowledge/answers.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def parse(raw: Any):
    return parse_answers(raw, default_now=NOW)


def test_our_schema_copy_is_the_shared_contract() -> None:
    import os

    shared = Path(
        os.environ.get("BACKSPASM_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")
    )
    contract = shared / "spec" / "answers.schema.json"
    if not contract.exists():
        pytest.skip(f"no shared contract at {contract}")
    assert json.loads(contract.read_text()) == SCHEMA


def test_full_answers_parse_and_round_trip() -> None:
    raw = {
        "now": "2026-11-25T12:00:00+01:00",
        "age": 42,
        "onset": "2026-11-25T08:30:00.250Z",
        "pain_now": 7,
        "pain_trend": "worse",
        "trigger": "lifting",
        "leg_symptoms": "one_leg",
        "episodes_past_3_months": 2,
        "chest_pain": False,
        "pregnant": False,
    }
    a = parse(raw)
    assert a.now == datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    assert a.now_given
    assert a.get("onset") == datetime(2026, 11, 25, 8, 30, 0, 250000, tzinfo=UTC)
    assert a.hours_since_onset == pytest.approx(2.5 - 0.25 / 3600)
    assert a.get("age") == 42 and "chest_pain" in a and "fever_or_unwell" not in a
    again = parse(a.to_dict())
    assert again == a


def test_default_now_is_used_when_now_is_absent() -> None:
    a = parse({"onset": "2026-11-25T06:00:00+00:00"})
    assert a.now == NOW and not a.now_given
    assert a.hours_since_onset == 6.0


def test_default_now_must_be_aware() -> None:
    with pytest.raises(ValueError):
        parse_answers({}, default_now=datetime(2026, 11, 25, 12))


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({"age": True}, "age", "whole number"),  # True is not an integer
        ({"chest_pain": 1}, "chest_pain", "true or false"),  # 1 is not a boolean
        ({"chest_pain": "yes"}, "chest_pain", "true or false"),
        ({"pain_now": "7"}, "pain_now", "from 0 to 10"),  # "7" is not 7
        ({"pain_now": 11}, "pain_now", "from 0 to 10"),
        ({"pain_now": -1}, "pain_now", "from 0 to 10"),
        ({"episodes_past_3_months": 0}, "episodes_past_3_months", "at least 1"),
        ({"pain_trend": "WORSE"}, "pain_trend", '"worse"'),
        ({"trigger": None}, "trigger", '"lifting"'),
        ({"sadle_numbness": True}, "sadle_numbness", "did you mean 'saddle_numbness'"),
        ({"onset": "2026-11-25T08:00:00"}, "onset", "offset"),
        ({"onset": "2026-11-25 08:00:00+00:00"}, "onset", "offset"),
        ({"onset": "2026-11-25T08:00+00:00"}, "onset", "RFC 3339"),
        ({"onset": "2026-13-01T08:00:00Z"}, "onset", "RFC 3339"),
        ({"onset": "2026-11-25T24:00:00Z"}, "onset", "RFC 3339"),
        ({"now": "2026-11-25T12:00:00", "onset": "2026-11-25T08:00:00Z"}, "now", "offset"),
        (
            {"now": "2026-11-25T12:00:00Z", "onset": "2026-11-25T12:00:01Z"},
            "onset",
            "not after now",
        ),
        ({"onset": "2026-11-25T12:00:00.000001Z"}, "onset", "not after now"),  # default now
    ],
    ids=[
        "bool-is-not-int",
        "int-is-not-bool",
        "string-is-not-bool",
        "string-is-not-int",
        "pain-11",
        "pain-minus-1",
        "episodes-0",
        "enum-case",
        "enum-null",
        "misspelt-field",
        "no-offset",
        "space-separator",
        "no-seconds",
        "month-13",
        "hour-24",
        "now-no-offset",
        "onset-after-now",
        "onset-after-default-now",
    ],
)
def test_bad_input_names_the_field_and_what_was_expected(raw: dict, field: str, words: str) -> None:
    with pytest.raises(AnswersError) as info:
        parse(raw)
    err = info.value
    assert err.field == field
    assert err.expected
    assert str(err).startswith(f"{field}: expected")
    assert words in str(err)


@pytest.mark.parametrize("raw", [[], "{}", None, 3])
def test_answers_must_be_an_object(raw: Any) -> None:
    with pytest.raises(AnswersError) as info:
        parse(raw)
    assert info.value.field == "answers"


def test_nothing_is_half_applied_first_error_wins_whole_input_rejected() -> None:
    with pytest.raises(AnswersError):
        parse({"chest_pain": True, "pain_now": 11})


def test_integral_float_is_an_integer_as_in_json_schema() -> None:
    assert parse({"age": 50.0}).get("age") == 50
    assert VALIDATOR.is_valid({"age": 50.0})


def test_lowercase_t_and_z_are_accepted_as_rfc3339_allows() -> None:
    assert parse_datetime("2026-11-25t08:00:00z") == datetime(2026, 11, 25, 8, tzinfo=UTC)


def test_offsets_are_kept_and_compared_as_instants() -> None:
    a = parse({"now": "2026-11-25T07:00:00-05:00", "onset": "2026-11-25T13:00:00+02:00"})
    assert a.get("onset").utcoffset() == timedelta(hours=2)
    assert a.hours_since_onset == 1.0


def test_every_schema_field_is_known_with_its_type() -> None:
    fields = answer_fields()
    assert list(fields) == list(SCHEMA["properties"])
    assert fields["pain_now"].kind == "integer" and fields["pain_now"].maximum == 10
    assert fields["onset"].kind == "datetime" and fields["trigger"].kind == "enum"


def test_the_runtime_path_does_not_import_jsonschema() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from datetime import datetime, timezone;"
        "from backspasm.core.answers import parse_answers;"
        "parse_answers({'age': 3}, default_now=datetime.now(timezone.utc));"
        "print('jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- property: our validator agrees with jsonschema (Draft 2020-12, format checking) ------
FIELD_NAMES = [k for k in SCHEMA["properties"]]
datetime_strings = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
        ),
    ).map(lambda d: d.isoformat()),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda d: d.isoformat()
    ),
    st.sampled_from(
        [
            "2026-11-25T08:00:00Z",
            "2026-11-25t08:00:00z",
            "2026-11-25T08:00:00.5+01:00",
            "2026-11-25T08:00+00:00",
            "2026-11-25",
            "2026-02-29T08:00:00Z",
            "2024-02-29T08:00:00Z",
            "2026-11-25 08:00:00Z",
            "2026-11-25T08:00:00+2400",
            "2026-11-25T08:00:00+24:00",
            "0000-01-01T00:00:00Z",
            "2026-11-25T08:00:60Z",
            "",
            "2026-11-25T08:00:00.Z",
        ]
    ),
    st.text(max_size=30),
)
json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 200),
    st.floats(-5, 200, allow_nan=False),
    st.sampled_from(
        ["better", "same", "worse", "lifting", "fall", "none", "one_leg", "both_legs", "7", "true"]
    ),
    datetime_strings,
    st.lists(st.integers(), max_size=2),
)
answer_dicts = st.dictionaries(
    st.one_of(st.sampled_from(FIELD_NAMES), st.sampled_from(["sadle_numbness", "Age", "x"])),
    json_values,
    max_size=6,
)


@settings(max_examples=1500, deadline=None)
@given(answer_dicts)
def test_validator_agrees_with_jsonschema(raw: dict[str, Any]) -> None:
    far_future = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    try:
        parse_answers(raw, default_now=far_future)
        ours = True
    except AnswersError as exc:
        # "onset not after now" and the years 1900-2100 (core.times) are beyond JSON Schema;
        # every other error must agree.
        ours = (exc.field == "onset" and "not after now" in exc.expected) or (
            "between 1900 and 2100" in exc.expected
            and VALIDATOR.is_valid(raw) and not _in_years(raw[exc.field]))
    assert ours == VALIDATOR.is_valid(raw), (raw, list(VALIDATOR.iter_errors(raw)))


@settings(max_examples=300, deadline=None)
@given(datetime_strings)
def test_datetime_format_agrees_with_jsonschema(value: str) -> None:
    """JSON Schema's date-time, and (beyond it) the years 1900 to 2100 of core.times."""
    expected = VALIDATOR.is_valid({"onset": value}) and _in_years(value)
    assert (parse_datetime(value) is not None) == expected


def _in_years(value: str) -> bool:
    return value[:4].isdigit() and 1900 <= int(value[:4]) <= 2100
