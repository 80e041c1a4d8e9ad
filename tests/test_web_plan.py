"""My plan and the timer pages (without JavaScript), and the timer's diary log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from backspasm.core.plan import make_plan
from backspasm.web.deps import get_now
from web_helpers import make_client, text_of, transactions_of


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path, timezone="Europe/London")


def _pid(client) -> int:
    return client.app.state.diary.local_profile_id()


def test_plan_without_an_onset_asks_when_it_started(client):
    r = client.get("/plan")
    assert "How many hours ago did your spasm start?" in r.text
    assert 'action="/plan/onset"' in r.text and 'name="csrf_token"' in r.text


@pytest.mark.parametrize("hours", ["", "abc", "-3", "999999", "1.5"])
def test_bad_onset_is_rejected_and_nothing_is_written(client, hours):
    r = client.post("/plan/onset", data={"hours": hours})
    assert r.status_code == 422 and "There is a problem" in r.text
    assert client.app.state.store.current_episode(_pid(client)) is None


def test_plan_page_in_the_acute_phase(client):
    r = client.post("/plan/onset", data={"hours": "10"})
    assert r.url.path == "/plan"
    page = text_of(r.text)
    kb = client.app.state.kb
    acute = next(p for p in kb["plan"]["phases"] if p["id"] == "acute")
    assert acute["title"] in page and "about 10 hours ago" in page
    assert "Today," in page and "Europe/London" in page
    assert 'href="/timer/ice"' in r.text and 'href="/timer/heat"' not in r.text
    # Steps with evidence notes and sources.
    assert "What the research says" in page
    assert 'id="src-COCHRANE-BEDREST"' in r.text  # in the page's one Sources disclosure
    # Today's timeline shows exactly the plan's sessions of today.
    onset = client.app.state.store.current_episode(_pid(client)).onset
    now = datetime.now(UTC)
    plan = make_plan(kb, onset=onset, now=now, tz="Europe/London")
    local_today = now.astimezone(plan.sessions[0].start.tzinfo).date()
    today = [s for s in plan.sessions if s.start.date() == local_today]
    timeline = r.text.split('class="bs-timeline"')[1].split("</ol>")[0] if today else ""
    assert timeline.count("<li") == len(today)


def test_plan_page_in_the_recovery_phase_offers_heat_and_contrast(client):
    client.post("/plan/onset", data={"hours": "100"})
    r = client.get("/plan")
    assert "After 72 hours" in r.text
    assert 'href="/timer/heat"' in r.text and 'href="/timer/contrast"' in r.text
    assert 'href="/timer/ice"' not in r.text


def test_plan_follows_the_clock(client):
    client.post("/plan/onset", data={"hours": "70"})
    assert "The first 72 hours" in client.get("/plan").text
    client.app.dependency_overrides[get_now] = lambda: datetime.now(UTC) + timedelta(hours=3)
    assert "After 72 hours" in client.get("/plan").text


@pytest.mark.parametrize("slug", ["ice", "heat", "contrast"])
def test_timer_page_works_without_javascript(client, slug):
    r = client.get(f"/timer/{slug}")
    assert r.status_code == 200
    assert f'action="/timer/{slug}/start"' in r.text
    assert f'src="{client.app.state.assets.url("timer.js")}"' in r.text
    r = client.post(f"/timer/{slug}/start", data={"seconds": ""})
    page = text_of(r.text)
    assert "Started at" in page and "Ends at" in page
    started = re.search(r'name="started_at" value="([^"]+)"', r.text).group(1)
    r = client.post(f"/timer/{slug}/done", data={"started_at": started})
    assert "Saved in your diary" in r.text
    entries = client.app.state.store.care_entries(_pid(client))
    assert [e.kind for e in entries] == [{"contrast": "contrast"}.get(slug, slug)]


def test_ice_timer_end_time_is_20_minutes_after_start(client):
    fixed = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    client.app.dependency_overrides[get_now] = lambda: fixed
    page = text_of(client.post("/timer/ice/start").text)
    assert "Started at 09:00" in page and "Ends at 09:20" in page


def test_timer_done_logs_once_and_answers_json(client):
    started = (datetime.now(UTC) - timedelta(minutes=25)).isoformat()
    for _ in range(2):  # a retried request keeps one entry
        r = client.post("/timer/ice/done", data={"started_at": started},
                        headers={"accept": "application/json"})
        assert r.status_code == 200
        assert r.json() == {"logged": True, "kind": "ice", "minutes": 20}  # capped at plan
    assert len(client.app.state.store.care_entries(_pid(client))) == 1


def test_no_query_parameter_changes_a_timer_length(client):
    """H28: ?seconds= once ran a 60-minute ice session and logged 59 minutes of ice."""
    r = client.get("/timer/ice?seconds=3600")
    assert r.status_code == 200
    assert "&#34;seconds&#34;: 1200.0" in r.text or '"seconds": 1200.0' in r.text
    assert "3600" not in r.text
    started = (datetime.now(UTC) - timedelta(minutes=65)).isoformat()
    r = client.post("/timer/ice/done?seconds=3600", data={"started_at": started,
                                                        "seconds": "3600"},
                    headers={"accept": "application/json"})
    assert r.json() == {"logged": True, "kind": "ice", "minutes": 20}


def test_short_stages_only_through_the_test_setting(tmp_path):
    client = make_client(tmp_path, timer_stage_seconds=2)
    r = client.get("/timer/ice")
    assert "&#34;seconds&#34;: 2.0" in r.text or '"seconds": 2.0' in r.text


@pytest.mark.parametrize("started", ["", "soon", "2026-01-01T00:00:00",
                                     "2999-01-01T00:00:00+00:00", "2000-01-01T00:00:00+00:00"])
def test_bad_timer_log_is_422_and_writes_nothing(client, started):
    r = client.post("/timer/ice/done", data={"started_at": started})
    assert r.status_code == 422
    assert "started_at" in r.text
    assert client.app.state.store.care_entries(_pid(client)) == []


def test_unknown_timer_is_404(client):
    assert client.get("/timer/sauna").status_code == 404
    assert client.post("/timer/sauna/done", data={"started_at": "x"}).status_code == 404


# --- one read per page, and what is kept between requests ----------------------------------

def test_the_plan_page_reads_the_diary_once(client):
    """Profile, episodes and the latest saved triage (for the guidance, the person's fit
    and the onset) come from one read transaction, not one each."""
    from web_helpers import works_pages_out

    works_pages_out(client)
    pid = _pid(client)
    store = client.app.state.store
    store.save_triage(pid, answers={"pregnant": True, "age": 30}, level="self_care", rules=[],
                      knowledge_version=client.app.state.kb.version, at=datetime.now(UTC))
    client.post("/plan/onset", data={"hours": "30"})
    client.get("/plan")  # the first request of the app also finds its local profile
    assert transactions_of(client, "/plan") == 1


def test_the_plan_page_reads_a_triage_journey_once(client):
    """With a journey cookie the page reads the journey once (its answers and its result on
    screen) beside the one read of the diary; seen again with nothing committed between, the
    journey is kept (Journeys.load) and only the diary is read."""
    from web_helpers import SELF_CARE, walk, works_pages_out

    works_pages_out(client)
    walk(client, SELF_CARE)
    assert client.post("/api/v1/pain", json={"score": 3}).status_code in (200, 201)
    assert transactions_of(client, "/plan") == 2  # a commit since: the journey is read again
    assert "My plan" in client.get("/plan").text
    assert transactions_of(client, "/plan") == 1


def test_the_steps_follow_the_saved_answers_and_the_region_in_one_app(client):
    """The rendered steps and signs card are kept per set of steps and region: a person
    whose saved answers or region change sees the steps for them at once, in the same
    running app."""
    from backspasm.core.plan import steps_for_phase

    kb, pid = client.app.state.kb, _pid(client)
    store = client.app.state.store
    client.post("/plan/onset", data={"hours": "10"})
    store.update_profile(pid, region="GB")
    general = client.get("/plan").text
    assert "ibuprofen" in general.lower() and "paracetamol" in general
    store.update_profile(pid, region="US")
    us = client.get("/plan").text
    assert "acetaminophen (called paracetamol in the UK)" in us
    # The emergency-signs card (kept per region too) calls the region's number.
    assert 'href="tel:999"' in general and 'href="tel:911"' in us and "tel:999" not in us
    store.save_triage(pid, answers={"pregnant": True, "age": 30}, level="self_care", rules=[],
                      knowledge_version=kb.version, at=datetime.now(UTC))
    pregnant = client.get("/plan").text
    assert "ibuprofen" not in pregnant.lower()
    for step in steps_for_phase(kb, "acute", person={"pregnant": True, "age": 30},
                                region="US"):
        assert f'id="step-{step["id"]}"' in pregnant
    store.update_profile(pid, region="GB")
    back = client.get("/plan").text
    assert "acetaminophen" not in back and "ibuprofen" not in back.lower()
    assert back.count('class="bs-step"') == len(
        steps_for_phase(kb, "acute", person={"pregnant": True, "age": 30}, region="GB"))


# --- issue 13: the plan follows the diary -----------------------------------------------

ONSET13 = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)  # 07:30 in London (BST)


def _at(client, moment):
    client.app.dependency_overrides[get_now] = lambda: moment


def test_a_due_ice_says_due_since_and_done_logs_it_and_moves_the_next(client):
    pid = _pid(client)
    client.app.state.store.start_episode(pid, onset=ONSET13)
    _at(client, ONSET13 + timedelta(minutes=30))  # 08:00, done just now
    page = text_of(client.get("/plan").text)
    assert "Now: ice pack, due since 07:30 — start the timer" in page
    assert "Ice pack at 09:20" in page
    r = client.get("/plan")
    assert 'action="/plan/done"' in r.text and 'href="/timer/ice"' in r.text
    form = {"kind": "ice", "start": ONSET13.isoformat(), "csrf_token": ""}
    r = client.post("/plan/done", data=form)
    assert r.status_code == 200 and r.url.path == "/plan"
    care = client.app.state.store.care_entries(pid, since=ONSET13)
    # 20 minutes up to now: 07:40 to 08:00
    assert [(c.kind, c.start, c.minutes) for c in care] == [
        ("ice", ONSET13 + timedelta(minutes=10), 20)]
    page = text_of(r.text)
    assert "Nothing is due right now" in page
    assert "Ice pack at 09:30" in page  # 07:40 + 20 + 90 minutes, re-anchored on the log
    assert "Ice pack at 09:20" not in page
    assert "(done)" in page
    # A second tap (a retried form) logs nothing more.
    client.post("/plan/done", data=form)
    assert len(client.app.state.store.care_entries(pid, since=ONSET13)) == 1


@pytest.mark.parametrize("form", [{"kind": "massage"}, {"kind": "check_in"},
                                  {"kind": "ice", "start": "2026-06-01T06:31:00+00:00"},
                                  {"kind": "ice", "start": "soon"}])
def test_done_for_a_session_not_in_the_plan_is_refused_and_logs_nothing(client, form):
    pid = _pid(client)
    client.app.state.store.start_episode(pid, onset=ONSET13)
    _at(client, ONSET13 + timedelta(minutes=15))
    r = client.post("/plan/done", data={"start": ONSET13.isoformat(), "csrf_token": "", **form})
    assert r.status_code == 422 and "not in your plan" in r.text
    assert client.app.state.store.care_entries(pid, since=ONSET13) == []


def test_the_page_shows_stretching_when_the_diary_says_the_pain_eases(client):
    pid = _pid(client)
    store = client.app.state.store
    store.start_episode(pid, onset=ONSET13)
    now = ONSET13 + timedelta(hours=100)
    for hours_ago, score in ((40, 8), (30, 7), (10, 3), (2, 2)):
        store.log_pain(pid, score=score, at=now - timedelta(hours=hours_ago))
    _at(client, now)
    assert "Gentle stretches" in text_of(client.get("/plan").text)
