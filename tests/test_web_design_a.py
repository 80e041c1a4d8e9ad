"""Issue 14, part A, without a browser: the emergency panel and the urgent line, no
developer text, one Sources disclosure per page and the Sources and About pages, the
progress through the check by section, and questions that cannot apply to the age given."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from backspasm.core.flow import journey_state, notices, relevant_answers, route
from backspasm.core.progress import progress
from backspasm.knowledge import load_knowledge
from web_helpers import SELF_CARE, make_client, question_id, walk

KB = load_knowledge()
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NO_SIGNS = {"chest_pain": False, "fainting_or_collapse": False, "saddle_numbness": False,
            "bladder_bowel_change": False, "leg_symptoms": "none", "leg_weakness": "none",
            "serious_accident": False, "fever_or_unwell": False,
            "immunosuppressed_or_iv_drugs": False, "cancer_history": False}


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path, timezone="Europe/London")


def test_the_emergency_card_is_a_red_panel_with_one_big_call_button(client):
    r, _ = walk(client, {**SELF_CARE, "chest_pain": "yes"})
    panel = re.search(r"<div class=\"bs-emergency[^>]*data-emergency-panel>(.*?)\n</div>",
                      r.text, re.S)
    assert panel, "no emergency panel"
    assert re.findall(r'<a class="bs-call-button" href="tel:(\d+)"', panel.group(1)) == ["999"]
    assert '<ul class="bs-emergency__steps">' in panel.group(1)
    # The destructive button never looks like it (privacy page).
    privacy = client.get("/privacy").text
    assert "bs-button--warning" in privacy and "bs-emergency" not in privacy
    assert "bs-call-button" not in privacy


@pytest.mark.parametrize(("tz", "number"), [("Europe/London", "111"), ("America/New_York", None)])
def test_the_urgent_card_calls_the_regions_urgent_line(tmp_path, tz, number):
    client = make_client(tmp_path, timezone=tz)
    walk(client, {**SELF_CARE, "fever_or_unwell": "yes"})
    r = client.post("/triage/check", data={})
    assert r.url.path == "/triage/result" and "bs-card--urgent" in r.text
    if number:
        assert f'href="tel:{number}"' in r.text and 'href="https://111.nhs.uk/"' in r.text
    else:
        assert "data-urgent-call" not in r.text and 'href="tel:111"' not in r.text


def test_pages_show_no_developer_text(client):
    walk(client, SELF_CARE)
    result = client.post("/triage/check", data={}).text
    for html in (client.get("/").text, client.get("/learn").text, client.get("/plan").text,
                 result):
        assert "seed-article" not in html and "Knowledge version" not in html
        assert 'href="/api/docs"' not in html
        assert "our own reading" not in html.lower()
    about = client.get("/about").text
    assert KB.version in about and 'href="/api/docs"' in about


def test_one_sources_disclosure_per_page_and_a_sources_page(client):
    walk(client, SELF_CARE)
    result = client.post("/triage/check", data={}).text
    pages = (client.get("/").text, client.get("/learn").text, result, client.get("/plan").text,
             client.get("/timer/ice").text, client.get("/offline").text)
    for html in pages:
        assert html.count("<details class=\"bs-sources\"") == 1
        assert "Sources:" not in html  # no inline "Sources:" lines
    page = client.get("/sources").text
    for source in KB["sources"]["sources"]:
        assert f'id="src-{source["id"]}"' in page
    assert "seed-article" not in page and "Developer note" not in page


def test_a_diary_warning_cites_its_sources_in_the_one_disclosure(tmp_path):
    client = make_client(tmp_path, timezone="Europe/London")
    client.post("/diary/episode/start", data={"hours": "80"})  # lasting over 72 hours
    html = client.get("/diary").text
    rule = next(r for r in KB["rules"]["rules"] if r["id"] == "lasting-over-72h")
    assert html.count("<details class=\"bs-sources\"") == 1 and "Sources:" not in html
    for sid in rule["sources"]:
        assert f'id="src-{sid}"' in html


def test_the_menu_is_a_disclosure_marking_the_current_page(client):
    html = client.get("/learn").text
    nav = re.search(r'<nav class="bs-nav".*?</nav>', html, re.S).group(0)
    assert "<details" in nav and "<summary" in nav and ">Menu</summary>" in nav
    assert re.findall(r'<a href="([^"]+)" aria-current="page"', nav) == ["/learn"]


def _route(age: int) -> list[str]:
    return [q.id for q in route({**NO_SIGNS, "age": age}, KB, now=NOW)]


@pytest.mark.parametrize(("age", "asked"), [(6, False), (9, False), (10, True), (30, True)])
def test_questions_that_cannot_apply_to_the_age_are_not_asked(age, asked):
    ids = _route(age)
    assert ("pregnant" in ids) is asked and ("sexual_function_change" in ids) is asked
    state = journey_state({**NO_SIGNS, "age": age}, KB, now=NOW)
    assert state.step.id == ("sexual_function_change" if asked else "osteoporosis_or_steroids")


def test_a_child_age_drops_the_answers_that_cannot_apply():
    answers = {**NO_SIGNS, "age": 30, "sexual_function_change": False, "pregnant": True}
    kept, _ = relevant_answers({**answers, "age": 6}, KB, now=NOW)
    assert "pregnant" not in kept and "sexual_function_change" not in kept
    kept, _ = relevant_answers(answers, KB, now=NOW)
    assert kept["pregnant"] is True


def test_an_unknown_age_never_skips_a_warning_sign():
    """The condition is written "not under the age": with no age, the question is asked."""
    assert "sexual_function_change" in [q.id for q in route(NO_SIGNS, KB, now=NOW)]


@pytest.mark.parametrize(("age", "told"), [(6, True), (15, True), (16, False), (40, False)])
def test_a_child_is_told_to_involve_an_adult_and_a_doctor(age, told):
    got = notices({**NO_SIGNS, "age": age}, KB, now=NOW)
    assert bool(got) is told
    if told:
        assert got[0]["after"] == "age" and "adult" in got[0]["text"]
        assert "doctor" in got[0]["text"]


def test_the_child_notice_is_on_the_page_right_after_the_age(client):
    answers = {**SELF_CARE, "age": "12"}
    r = client.post("/triage/start", data={"csrf_token": ""})
    while (qid := question_id(r.url)) != "age":
        assert qid is not None
        assert "data-notice" not in r.text
        r = client.post(f"/triage/q/{qid}", data={"answer": answers.get(qid, "no")})
    assert "data-notice" not in r.text
    r = client.post("/triage/q/age", data={"answer": "12"})
    assert question_id(r.url) == "sexual_function_change"
    assert "data-notice" in r.text and "You are under 16" in r.text


def test_progress_by_section_with_the_count():
    first = progress(KB, {}, "chest_pain", now=NOW)
    assert first is not None and first.number == 1 and first.total == len(_route(40))
    assert [(s.label, s.state) for s in first.sections] == [
        ("Warning signs", "current"), ("About you", "todo"), ("Your pain", "todo")]
    later = progress(KB, {**NO_SIGNS, "age": 40, "sexual_function_change": False,
                          "pregnant": False}, "osteoporosis_or_steroids", now=NOW)
    assert later is not None and later.section.label == "About you"
    assert later.number == _route(40).index("osteoporosis_or_steroids") + 1
    assert [s.state for s in later.sections] == ["done", "current", "todo"]
    assert progress(KB, {**NO_SIGNS, "age": 6}, "pregnant", now=NOW) is None  # not asked


def test_the_question_page_shows_the_progress(client):
    r = client.post("/triage/start", data={"csrf_token": ""})
    total = len(_route(40))
    assert f"Warning signs: question 1 of {total}" in r.text
    assert 'aria-current="step">Warning signs<' in r.text


def test_multi_user_check_is_open_before_sign_in_and_saved_after(tmp_path):
    from test_web_auth import csrf, sign_up

    mu = make_client(tmp_path, multi_user=True)
    token = csrf(mu, "/")
    r = mu.post("/triage/start", data={"csrf_token": token})
    assert r.status_code == 200 and question_id(r.url) == "chest_pain"  # no sign-in first
    while (qid := question_id(r.url)) is not None:
        r = mu.post(f"/triage/q/{qid}", data={"answer": SELF_CARE.get(qid, "no"),
                                              "csrf_token": token})
    r = mu.post("/triage/check", data={"csrf_token": token})
    assert r.url.path == "/triage/result" and "bs-card--selfcare" in r.text
    assert 'href="/signin?next=/triage/result"' in r.text and ">See my plan<" not in r.text
    # Sign-up (or sign-in): the check begun signed out is saved, with its episode.
    sign_up(mu, "ann@example.com")
    r = mu.get("/")
    assert r.url.path == "/triage/result" and "data-save" not in r.text
    assert "1 symptom check" in mu.get("/privacy/delete").text
    assert "about 30 hours ago" in mu.get("/plan").text  # the episode was started
