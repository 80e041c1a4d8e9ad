"""The web timer's server side (no browser): words instead of a frozen "20:00" without
JavaScript, logging the minutes done when stopped early, the offline page, the service
worker's page list, and pain scores sent later by the service worker (idempotent)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from backspasm.web.deps import get_now
from backspasm.web.pages.offline import OFFLINE_PAGES
from web_helpers import make_client, text_of


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path, timezone="Europe/London")


def _pid(client) -> int:
    return client.app.state.diary.local_profile_id()


def _countdown(html: str) -> str:
    m = re.search(r'id="countdown"[^>]*>([^<]*)<', html)
    assert m is not None
    return m.group(1)


def test_without_javascript_the_timer_says_when_it_ends_not_a_frozen_clock(client):
    fixed = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    client.app.dependency_overrides[get_now] = lambda: fixed
    assert _countdown(client.get("/timer/ice").text) == "20 minutes"
    r = client.post("/timer/ice/start")
    assert _countdown(r.text) == "Ends at 09:20"
    assert "20:00" not in text_of(r.text)
    assert 'data-started="2026-01-10T09:00:00+00:00"' in r.text  # the script counts on from it


def test_the_page_carries_the_pause_stop_question_and_notify_words(client):
    page = client.get("/timer/heat").text
    for word in ("Pause", "Resume", "Log {n} minutes of {what}?", "heat", "Tell me when it ends"):
        assert word in page.replace("&#34;", '"')
    assert 'id="ask-form"' in page and 'name="minutes"' in page


def test_stopped_early_logs_the_minutes_done(client):
    started = (datetime.now(UTC) - timedelta(minutes=15)).isoformat()
    r = client.post("/timer/ice/done", data={"started_at": started, "minutes": "12"},
                    headers={"accept": "application/json"})
    assert r.json() == {"logged": True, "kind": "ice", "minutes": 12}
    (entry,) = client.app.state.store.care_entries(_pid(client))
    assert entry.minutes == 12


def test_minutes_can_shorten_a_session_but_never_lengthen_it(client):
    started = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    r = client.post("/timer/ice/done", data={"started_at": started, "minutes": "19"},
                    headers={"accept": "application/json"})
    assert r.json()["minutes"] == 5  # only 5 minutes have passed since the start


@pytest.mark.parametrize("minutes", ["0", "-3", "abc", "nan", "inf", "100000"])
def test_bad_minutes_are_refused_and_nothing_is_logged(client, minutes):
    started = (datetime.now(UTC) - timedelta(minutes=15)).isoformat()
    r = client.post("/timer/ice/done", data={"started_at": started, "minutes": minutes})
    assert r.status_code == 422 and "minutes" in r.text
    assert client.app.state.store.care_entries(_pid(client)) == []


# --- the offline page ---------------------------------------------------------------------

def test_offline_page_has_menu_signs_and_every_regions_number_when_none_chosen(tmp_path):
    client = make_client(tmp_path, timezone="Asia/Tokyo")
    r = client.get("/offline")
    assert r.status_code == 200
    assert 'aria-label="Main"' in r.text  # header and menu
    numbers = re.findall(r'href="tel:(\d+)"', r.text)
    assert sorted(numbers) == ["112", "911", "999"]
    page = text_of(r.text)
    assert "Get help now if you have any of these" in page
    assert "My plan" in page and "Ice pack" in page  # what works offline


def test_offline_page_gives_the_chosen_regions_number_only(client):
    store = client.app.state.store
    store.update_profile(_pid(client), region="US")
    r = client.get("/offline")
    assert re.findall(r'href="tel:(\d+)"', r.text) == ["911"]


def test_service_worker_keeps_the_pages_the_offline_page_lists(client):
    sw = client.get("/sw.js").text
    listed = re.search(r"var PAGES = \[([^\]]*)\]", sw)
    assert listed is not None
    pages = set(re.findall(r'"([^"]+)"', listed.group(1)))
    slugs = client.app.state.kb.vocabulary.timer_slugs
    assert pages == set(OFFLINE_PAGES) | {f"/timer/{s}" for s in slugs}
    assert 'var OFFLINE = "/offline"' in sw


def test_multi_user_service_worker_keeps_no_pages_and_queues_nothing(tmp_path):
    client = make_client(tmp_path, multi_user=True)
    sw = client.get("/sw.js").text
    assert "var OFFLINE_PAGES = /(?!)/;" in sw
    assert "keepsPages()" in sw  # pages, and the pain queue, only when OFFLINE_PAGES keeps /plan


# --- pain scores sent later by the service worker -------------------------------------------

def test_a_queued_pain_score_keeps_its_time_and_is_logged_once(client):
    at = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=123000)
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for _ in range(3):  # sent, answer lost, sent again, and again
        r = client.post("/diary/pain", data={"score": "6", "logged_at": stamp},
                        follow_redirects=False)
        assert r.status_code == 303
    entries = client.app.state.store.pain_entries(_pid(client))
    assert [(e.score, e.at) for e in entries] == [(6, at)]


def test_two_scores_logged_offline_are_two_entries(client):
    now = datetime.now(UTC)
    for minutes, score in ((30, 7), (10, 5)):
        stamp = (now - timedelta(minutes=minutes)).isoformat()
        client.post("/diary/pain", data={"score": str(score), "logged_at": stamp})
    assert [e.score for e in client.app.state.store.pain_entries(_pid(client))] == [7, 5]


def test_a_phone_clock_a_little_ahead_still_logs_once(client):
    ahead = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    for _ in range(2):
        client.post("/diary/pain", data={"score": "4", "logged_at": ahead})
    assert len(client.app.state.store.pain_entries(_pid(client))) == 1


@pytest.mark.parametrize("stamp", ["yesterday", "2026-01-01T00:00:00",
                                   "2999-01-01T00:00:00Z", "2000-01-01T00:00:00Z"])
def test_bad_logged_at_is_refused_and_nothing_is_written(client, stamp):
    r = client.post("/diary/pain", data={"score": "5", "logged_at": stamp})
    assert r.status_code == 422
    assert client.app.state.store.pain_entries(_pid(client)) == []


def test_pain_without_logged_at_is_logged_now_as_before(client):
    for _ in range(2):
        client.post("/diary/pain", data={"score": "3"})
    assert len(client.app.state.store.pain_entries(_pid(client))) == 2
