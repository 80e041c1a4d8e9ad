"""Changing answers on "Check your answers": every change re-runs the flow on the answers
so far; an emergency answer, made fresh or by a change, goes straight to the emergency
page; answers a change made irrelevant are dropped; "See my result" never loops."""

from __future__ import annotations

import pytest

from web_helpers import SELF_CARE, follow, make_client, question_id, text_of, walk


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path)


@pytest.mark.parametrize(("field", "value"), [
    ("chest_pain", "yes"), ("chest_pain", "not_sure"), ("bladder_bowel_change", "yes"),
    ("leg_symptoms", "both_legs"), ("leg_weakness", "both_legs"), ("serious_accident", "yes"),
])
def test_a_change_to_an_emergency_answer_goes_straight_to_the_emergency_page(
        client, field, value):
    r, _ = walk(client, SELF_CARE)
    assert r.url.path == "/triage/check"
    r, seen = follow(client, "POST", f"/triage/q/{field}", data={"answer": value, "change": "1"})
    assert seen[-1] == "/triage/stop", seen
    assert "bs-card--emergency" in r.text and 'href="tel:999"' in r.text
    # Every way on ends on the emergency page, never in a loop, never a self-care page.
    for method, url in [("GET", "/triage/check"), ("POST", "/triage/check"),
                        ("GET", "/triage/result"), ("GET", "/triage/next"),
                        ("GET", "/triage/stop")]:
        r, seen = follow(client, method, url)
        assert seen[-1] == "/triage/stop", (method, url, seen)
        assert "bs-card--emergency" in r.text and "bs-card--selfcare" not in r.text
    pid = client.app.state.diary.local_profile_id()
    assert client.app.state.store.latest_triage(pid).level.startswith("emergency")


def test_see_my_result_after_changing_back_shows_the_new_result(client):
    walk(client, SELF_CARE)
    follow(client, "POST", "/triage/q/chest_pain", data={"answer": "yes", "change": "1"})
    r, seen = follow(client, "POST", "/triage/q/chest_pain", data={"answer": "no", "change": "1"})
    assert seen[-1] == "/triage/check"
    r, seen = follow(client, "POST", "/triage/check")
    assert seen[-1] == "/triage/result" and "bs-card--selfcare" in r.text


def test_an_answer_a_change_made_irrelevant_is_dropped(client):
    walk(client, {**SELF_CARE, "leg_weakness": "one_leg", "weakness_getting_worse": "no"})
    r = client.get("/triage/check")
    assert 'href="/triage/q/weakness_getting_worse?change=1"' in r.text
    r, seen = follow(client, "POST", "/triage/q/leg_weakness",
                     data={"answer": "none", "change": "1"})
    assert seen[-1] == "/triage/check"
    assert "weakness_getting_worse" not in r.text
    # Asking about weakness again starts from no answer: the old "no" is gone.
    r, seen = follow(client, "POST", "/triage/q/leg_weakness",
                     data={"answer": "one_leg", "change": "1"})
    assert question_id(seen[-1]) == "weakness_getting_worse"
    assert " checked" not in r.text


def test_a_not_sure_a_change_made_irrelevant_is_dropped(client):
    walk(client, {**SELF_CARE, "age": "60", "abdominal_pain": "not_sure",
                  "first_episode_ever": "no"})
    follow(client, "POST", "/triage/q/age", data={"answer": "40", "change": "1"})
    r, seen = follow(client, "POST", "/triage/check")
    assert seen[-1] == "/triage/result"
    pid = client.app.state.diary.local_profile_id()
    saved = client.app.state.store.latest_triage(pid)
    assert saved.unsure == [] and "abdominal_pain" not in saved.answers
    r, seen = follow(client, "POST", "/triage/q/age", data={"answer": "60", "change": "1"})
    assert question_id(seen[-1]) == "abdominal_pain" and " checked" not in r.text


def test_a_change_that_makes_age_under_50_drops_the_over_50_questions(client):
    walk(client, {**SELF_CARE, "age": "60", "abdominal_pain": "no", "first_episode_ever": "no"})
    follow(client, "POST", "/triage/q/age", data={"answer": "40", "change": "1"})
    r, seen = follow(client, "POST", "/triage/check")
    assert seen[-1] == "/triage/result"
    pid = client.app.state.diary.local_profile_id()
    saved = client.app.state.store.latest_triage(pid).answers
    assert "abdominal_pain" not in saved and "first_episode_ever" not in saved
    assert saved["age"] == 40


def test_stop_page_offers_to_change_the_answer_that_was_given_last(client):
    walk(client, SELF_CARE)
    r, _ = follow(client, "POST", "/triage/q/chest_pain", data={"answer": "yes", "change": "1"})
    assert 'href="/triage/q/chest_pain"' in r.text
    assert "Change your last answer" in text_of(r.text)
