"""The JSON API: /api/v1/triage (the CLI's answers contract) and /api/v1/plan."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backspasm.core.answers import parse_answers
from backspasm.core.triage import triage
from backspasm.knowledge import load_knowledge
from web_helpers import make_client

PROBLEM = "application/problem+json"


def _shared() -> Path:
    return Path(os.environ.get("BACKSPASM_SHARED_DIR")
                or Path(__file__).resolve().parents[2] / "shared")


def _vignettes() -> list[dict]:
    cases = []
    for path in sorted((_shared() / "vignettes").glob("*.jsonl")):
        cases += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return cases


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return make_client(tmp_path_factory.mktemp("api"))


VIGNETTES = _vignettes()


@pytest.mark.skipif(not VIGNETTES, reason="shared vignettes not found")
@pytest.mark.parametrize("case", VIGNETTES, ids=[c["id"] for c in VIGNETTES])
def test_vignettes_through_the_api(client, case):
    r = client.post("/api/v1/triage", json=case["answers"])
    if case["expected"] == "error":
        assert r.status_code == 422
        assert r.headers["content-type"] == PROBLEM
        body = r.json()
        assert body["status"] == 422 and body["field"] in body["detail"]
        assert body["field"] in json.dumps(case["answers"]) or body["field"] == "onset"
    else:
        assert r.status_code == 200, r.text
        assert r.json()["level"] == case["expected"]


def test_triage_result_is_the_library_result(client):
    answers = {"age": 55, "onset": "2026-11-20T06:00:00+00:00", "pain_now": 6,
               "first_episode_ever": True, "now": "2026-11-25T12:00:00+00:00"}
    kb = load_knowledge()
    from datetime import UTC, datetime

    expected = triage(parse_answers(answers, default_now=datetime.now(UTC)), kb).to_dict()
    got = client.post("/api/v1/triage", json=answers).json()
    # plus which region's numbers these are and where that came from (core.region)
    assert got.pop("region_choice") == {"id": "GB", "name": "the UK", "source": "default",
                                        "time_zone": "UTC"}
    assert got == expected
    assert {r["rule"] for r in got["reasons"]} >= {"lasting-over-72h"}
    assert all(r["sources"] for r in got["reasons"])


def test_triage_region_sets_the_emergency_number(client):
    r = client.post("/api/v1/triage?region=US", json={"chest_pain": True})
    assert r.json()["care_card"]["emergency_number"] == "911"
    r = client.post("/api/v1/triage?region=XX", json={})
    assert r.status_code == 422 and r.json()["field"] == "region"


@pytest.mark.parametrize(("body", "field"), [
    (b"{not json", "body"),
    (b"", "body"),
    (b"[1, 2]", "body"),
    (b'"text"', "body"),
    (b"null", "body"),
    (b"\xff\xfe", "body"),
    (b'{"age": "40"}', "age"),
    (b'{"age": true}', "age"),
    (b'{"age": 121}', "age"),
    (b'{"pain_now": 11}', "pain_now"),
    (b'{"chest_pain": 1}', "chest_pain"),
    (b'{"sadle_numbness": true}', "sadle_numbness"),
    (b'{"leg_symptoms": "left"}', "leg_symptoms"),
    (b'{"onset": "2026-11-25T08:00:00"}', "onset"),
])
def test_bad_triage_input_is_422_problem_json_naming_the_field(client, body, field):
    r = client.post("/api/v1/triage", content=body,
                    headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["field"] == field
    assert problem["detail"].startswith(field)
    assert problem["title"] and problem["type"] == "about:blank"


def test_triage_body_too_large_is_413(client):
    r = client.post("/api/v1/triage", content=b" " * (70 * 1024))
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM


def test_wrong_method_is_problem_json(client):
    r = client.get("/api/v1/triage")
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 200) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=3),
    max_leaves=8,
)
_fields = ["age", "onset", "now", "pain_now", "pain_trend", "chest_pain", "leg_symptoms",
           "episodes_past_3_months", "trigger", "bogus"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(_fields), _json, max_size=4) | _json)
def test_never_a_500_on_any_json(client, body):
    r = client.post("/api/v1/triage", content=json.dumps(body), headers=JSON)
    assert r.status_code in (200, 422)
    if r.status_code == 422:
        assert r.headers["content-type"] == PROBLEM and "field" in r.json()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_never_a_500_on_any_bytes(client, body):
    r = client.post("/api/v1/triage", content=body, headers=JSON)
    assert r.status_code in (200, 422)


JSON = {"content-type": "application/json"}
PLAN = {"onset": "2026-11-24T08:00:00+00:00", "now": "2026-11-25T08:00:00+00:00",
        "tz": "Europe/London"}


def test_plan_is_the_plan_contract(client):
    from backspasm.core.answers import parse_datetime
    from backspasm.core.plan import make_plan

    r = client.post("/api/v1/plan", json=PLAN)
    assert r.status_code == 200
    expected = make_plan(load_knowledge(), onset=parse_datetime(PLAN["onset"]),
                         now=parse_datetime(PLAN["now"]), tz="Europe/London").to_dict()
    assert r.json() == expected
    assert r.json()["phase"] == "acute" and r.json()["sessions"][0]["kind"] == "ice"


def test_plan_options(client):
    r = client.post("/api/v1/plan", json={**PLAN, "wake": "09:00", "sleep": "21:00", "days": 3,
                                          "easing": True})
    assert r.status_code == 200
    assert all(s["start"][11:16] >= "09:00" for s in r.json()["sessions"])


@pytest.mark.parametrize(("person", "shown", "not_shown"), [
    ({}, "pain-relief", "pain-relief-pregnant"),
    ({"pregnant": True}, "pain-relief-pregnant", "pain-relief"),
    ({"age": 14}, "pain-relief-under-16", "pain-relief"),
])
def test_plan_steps_are_fitted_to_the_person_fields(client, person, shown, not_shown):
    r = client.post("/api/v1/plan", json={**PLAN, **person})
    assert r.status_code == 200
    ids = [s["id"] for s in r.json()["steps"]]
    assert shown in ids and not_shown not in ids


@pytest.mark.parametrize(("change", "field"), [
    ({"onset": None}, "onset"),
    ({"onset": "yesterday"}, "onset"),
    ({"onset": "2026-11-26T08:00:00+00:00"}, "onset"),
    ({"tz": "Mars/Base"}, "tz"),
    ({"tz": 5}, "tz"),
    ({"wake": "7am"}, "wake"),
    ({"sleep": "25:00"}, "sleep"),
    ({"wake": "07:00", "sleep": "07:00"}, "sleep"),
    ({"days": "7"}, "days"),
    ({"days": 0}, "days"),
    ({"easing": "yes"}, "easing"),
    ({"colour": "red"}, "colour"),
    ({"pregnant": "yes"}, "pregnant"),
    ({"age": 200}, "age"),
    ({"age": True}, "age"),
    ({"osteoporosis_or_steroids": 1}, "osteoporosis_or_steroids"),
])
def test_bad_plan_input_is_422_naming_the_field(client, change, field):
    body = {**PLAN, **change}
    body = {k: v for k, v in body.items() if v is not None}
    r = client.post("/api/v1/plan", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == field


def test_plan_requires_tz(client):
    r = client.post("/api/v1/plan", json={"onset": PLAN["onset"]})
    assert r.status_code == 422 and r.json()["field"] == "tz"
