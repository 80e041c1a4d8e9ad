"""Diary, Settings and Privacy pages, the pain chart, and the diary JSON API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backspasm.web.chart import ChartCare, ChartPoint, pain_chart_svg
from web_helpers import make_client, transactions_of


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path)


def store_of(client):
    return client.app.state.store


def pid(client) -> int:
    return client.app.state.diary.local_profile_id()


# --- the chart (pure) ----------------------------------------------------------------------

T0 = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)


def test_chart_has_title_desc_axes_and_a_labelled_point_per_score():
    pain = [ChartPoint(T0 + timedelta(hours=h), s) for h, s in ((1, 7), (5, 5), (30, 3))]
    care = [ChartCare(T0 + timedelta(hours=2), "ice", 20)]
    svg = pain_chart_svg(pain, care, since=T0, until=T0 + timedelta(hours=48),
                         tz="Europe/London", care_labels={"ice": "Ice"})
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="chart-title">' in svg
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert "3 pain scores" in desc and "Lowest 3, highest 7, latest 3" in desc
    assert "1 care session marked" in desc
    assert svg.count('class="bs-chart__point"') == 3
    assert re.findall(r'class="bs-chart__value"[^>]*>(\d+)<', svg) == ["7", "5", "3"]
    assert "Ice, 20 minutes" in svg and svg.count('class="bs-chart__care"') == 1
    assert "Pain (0 to 10)" in svg and "Time (Europe/London)" in svg
    assert " style=" not in svg  # the CSP allows no inline styles


def test_chart_higher_pain_is_drawn_higher_and_later_is_further_right():
    pain = [ChartPoint(T0 + timedelta(hours=1), 2), ChartPoint(T0 + timedelta(hours=3), 9)]
    svg = pain_chart_svg(pain, [], since=T0, until=T0 + timedelta(hours=6), tz="UTC",
                         care_labels={})
    (x1, y1), (x2, y2) = [(float(a), float(b)) for a, b in
                          re.findall(r'cx="([\d.]+)" cy="([\d.]+)"', svg)]
    assert x2 > x1 and y2 < y1


def test_chart_leaves_out_entries_outside_the_window_and_escapes_text():
    pain = [ChartPoint(T0 - timedelta(hours=1), 4), ChartPoint(T0 + timedelta(hours=1), 4)]
    svg = pain_chart_svg(pain, [ChartCare(T0, "other", None)], since=T0,
                         until=T0 + timedelta(hours=2), tz="UTC",
                         care_labels={"other": "<b>&"}, title="A & B")
    assert svg.count('class="bs-chart__point"') == 1
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and "A &amp; B" in svg


def test_chart_over_a_dst_change_and_with_no_entries():
    svg = pain_chart_svg([], [], since=T0 - timedelta(days=1), until=T0 + timedelta(days=2),
                         tz="Europe/London", care_labels={})
    assert "No pain scores" in svg
    assert re.findall(r">(\w{3} \d+)</text>", svg) == ["Sat 28", "Sun 29", "Mon 30"]


# --- Diary page ------------------------------------------------------------------------------

def test_diary_has_eleven_one_tap_pain_buttons_in_a_post_form(client):
    html = client.get("/diary").text
    form = re.search(r'<form method="post" action="/diary/pain".*?</form>', html, re.S).group(0)
    values = re.findall(r'<button type="submit" name="score" value="(\d+)"', form)
    assert values == [str(n) for n in range(11)]


def test_one_tap_logs_the_score_and_the_chart_and_list_show_it(client):
    client.post("/diary/episode/start", data={"hours": "5"})
    for score in (6, 4):
        r = client.post("/diary/pain", data={"score": str(score)}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/diary#saved"
    html = client.get("/diary").text
    assert [p.score for p in store_of(client).pain_entries(pid(client))] == [6, 4]
    assert 'data-points="2"' in html
    assert "Pain 6 out of 10" in html and "Pain 4 out of 10" in html
    assert re.findall(r'class="bs-chart__value"[^>]*>(\d+)<', html) == ["6", "4"]


def test_care_sessions_are_marked_on_the_chart(client):
    client.post("/diary/episode/start", data={"hours": "5"})
    now = datetime.now(UTC)
    store_of(client).log_care(pid(client), kind="ice", start=now - timedelta(hours=1),
                              minutes=20)
    html = client.get("/diary").text
    assert 'data-care="1"' in html and "Ice pack, 20 minutes" in html


def test_the_diary_warns_when_the_level_rose_and_says_why(client):
    kb = client.app.state.kb
    rule = next(r for r in kb["rules"]["rules"] if r["id"] == "lasting-over-72h")
    client.post("/diary/episode/start", data={"hours": "80"})
    client.post("/diary/pain", data={"score": "5"})
    html = client.get("/diary").text
    assert "need more help than before" in html
    assert rule["text"].split("{")[0].strip()[:40] in html
    assert 'id="src-S-HOME"' in html  # the reason's source is listed


def test_no_warning_in_a_calm_early_episode(client):
    client.post("/diary/episode/start", data={"hours": "3"})
    client.post("/diary/pain", data={"score": "3"})
    assert "need more help than before" not in client.get("/diary").text


def test_start_and_end_an_episode_from_the_page(client):
    r = client.post("/diary/episode/start", data={"hours": "12"}, follow_redirects=False)
    assert r.status_code == 303
    ep = store_of(client).current_episode(pid(client))
    assert ep is not None
    assert abs((datetime.now(UTC) - ep.onset) - timedelta(hours=12)) < timedelta(minutes=5)
    assert "End this episode" in client.get("/diary").text
    asked = client.post("/diary/episode/end")  # asks first; nothing changes yet
    assert asked.status_code == 200 and "End this episode?" in asked.text
    assert store_of(client).current_episode(pid(client)) is not None
    r = client.post("/diary/episode/end", data={"confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary#episode-h"
    assert store_of(client).current_episode(pid(client)) is None
    assert "This episode is ended" in client.get("/diary").text
    html = client.get("/diary").text
    assert "Start an episode" in html
    assert client.get(f"/diary/episodes/{ep.id}").status_code == 200


def test_remove_an_entry(client):
    client.post("/diary/pain", data={"score": "4"})
    [entry] = store_of(client).pain_entries(pid(client))
    asked = client.post(f"/diary/pain/{entry.id}/delete")  # asks first, naming the entry
    assert asked.status_code == 200 and "Remove this entry?" in asked.text
    assert "Pain 4 out of 10" in asked.text
    assert len(store_of(client).pain_entries(pid(client))) == 1
    r = client.post(f"/diary/pain/{entry.id}/delete", data={"confirm": "yes"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary#entries-h"
    assert store_of(client).pain_entries(pid(client)) == []
    assert "The entry is removed" in client.get("/diary").text
    assert client.post(f"/diary/pain/{entry.id}/delete").status_code == 404
    assert client.post(f"/diary/pain/{entry.id}/delete",
                       data={"confirm": "yes"}).status_code == 404


def test_saved_pain_is_confirmed_once_with_undo_and_no_score_in_the_url(client):
    r = client.post("/diary/pain", data={"score": "7"}, follow_redirects=False)
    [entry] = store_of(client).pain_entries(pid(client))
    assert r.status_code == 303 and r.headers["location"] == "/diary#saved"
    assert "7" not in r.headers["location"]
    assert "7" not in r.headers["set-cookie"].split(";")[0].split("=", 1)[1].replace(
        str(entry.id), "")  # the cookie holds the entry's id, never the score
    html = client.get("/diary").text
    assert re.search(r'id="saved"[^>]*>\s*<p><strong>Pain 7 saved at \d\d:\d\d\.', html)
    assert f'action="/diary/pain/{entry.id}/delete"' in html
    assert "saved at" not in client.get("/diary").text  # shown once
    r = client.post(f"/diary/pain/{entry.id}/delete", data={"undo": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary#saved"
    assert store_of(client).pain_entries(pid(client)) == []
    assert "Undone. That entry is removed." in client.get("/diary").text


def test_a_flash_for_someone_elses_or_a_made_up_entry_shows_nothing(client):
    client.cookies.set("bs_flash", "pain.999999")
    assert "saved at" not in client.get("/diary").text
    client.cookies.set("bs_flash", "pain.1<script>")
    assert client.get("/diary").status_code == 200


def test_saved_care_is_confirmed_at_the_care_form(client):
    r = client.post("/diary/care", data={"care_kind": "ice", "care_minutes": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary#care-saved"
    html = client.get("/diary").text
    assert re.search(r'id="care-saved"[^>]*>\s*<p><strong>Ice pack, 1 minute saved at', html)


@pytest.mark.parametrize("score", ["11", "-1", "abc", "", "5.5", "٣", "1e1"])
def test_bad_pain_scores_are_refused_clearly_and_nothing_is_written(client, score):
    r = client.post("/diary/pain", data={"score": score})
    assert r.status_code == 422
    assert "Choose how bad your pain is, from 0 to 10" in r.text
    assert 'href="#score"' in r.text  # the error summary links to the buttons
    assert store_of(client).pain_entries(pid(client)) == []


@pytest.mark.parametrize("hours", ["", "x", "-3", "99999", "1.5"])
def test_bad_episode_start_is_refused(client, hours):
    r = client.post("/diary/episode/start", data={"hours": hours})
    assert r.status_code == 422 and "Enter the number of hours" in r.text
    assert store_of(client).episodes(pid(client)) == []


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/diary/pain", "/diary/episode/start", "/settings",
                              "/diary/care"]),
       data=st.dictionaries(st.sampled_from(["score", "hours", "tz", "wake", "sleep", "region",
                                             "note", "care_kind", "care_medicine",
                                             "care_time", "care_minutes", "care_note"]),
                            st.text(max_size=30), max_size=5))
def test_forms_never_fail_with_a_500(client, path, data):
    r = client.post(path, data=data, follow_redirects=False)
    assert r.status_code in (303, 422), (path, data, r.status_code)


# --- care logged from the Diary page ------------------------------------------------------

def _care_form(html: str) -> str:
    return re.search(r'<form method="post" action="/diary/care".*?</form>', html, re.S).group(0)


def test_diary_has_a_care_form_with_the_knowledges_plain_names(client):
    form = _care_form(client.get("/diary").text)
    labels = client.app.state.kb["exports"]["report"]["care_kinds"]
    from backspasm.store import CARE_KINDS

    assert re.findall(r'name="care_kind" value="(\w+)"', form) == list(CARE_KINDS)
    for kind, label in labels.items():
        assert f'<label for="care_kind-{kind}">{label}</label>' in form
    for field in ("care_medicine", "care_time", "care_minutes", "care_note", "csrf_token"):
        assert f'name="{field}"' in form
    # "When" defaults to now (HH:MM in the profile's zone).
    assert re.search(r'name="care_time"[^>]*value="\d\d:\d\d"', form)


def test_logged_care_shows_in_the_list_and_on_the_chart(client):
    from zoneinfo import ZoneInfo

    from backspasm.web.pages.diary import parse_care_time

    client.post("/diary/episode/start", data={"hours": "20"})
    tz = ZoneInfo(store_of(client).get_profile(pid(client)).tz)
    when = (datetime.now(UTC) - timedelta(hours=2)).astimezone(tz).strftime("%H:%M")
    r = client.post("/diary/care", data={"care_kind": "heat", "care_time": when,
                                         "care_minutes": "20", "care_note": "on the sofa"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary#care-saved"
    r = client.post("/diary/care", data={"care_kind": "medicine", "care_medicine": "Ibuprofen",
                                         "care_time": ""}, follow_redirects=False)
    assert r.status_code == 303
    [heat, med] = store_of(client).care_entries(pid(client))
    assert (heat.kind, heat.minutes, heat.note) == ("heat", 20, "on the sofa")
    assert heat.start.astimezone(tz).strftime("%H:%M") == when
    assert heat.start == parse_care_time(when, datetime.now(UTC), tz)
    assert (med.kind, med.medicine, med.minutes) == ("medicine", "Ibuprofen", None)
    html = client.get("/diary").text
    assert 'data-care="2"' in html
    assert "Heat, 20 minutes" in html and "on the sofa" in html and "Ibuprofen" in html


def test_a_care_time_later_than_now_means_yesterday():
    from zoneinfo import ZoneInfo

    from backspasm.web.pages.diary import parse_care_time

    zone = ZoneInfo("Europe/London")
    now = datetime(2026, 3, 29, 0, 10, tzinfo=UTC)  # 00:10 GMT, the night clocks go forward
    assert parse_care_time("23:30", now, zone) == datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert parse_care_time("0:05", now, zone) == datetime(2026, 3, 29, 0, 5, tzinfo=UTC)
    assert parse_care_time(" ", now, zone) == now
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # 13:00 BST
    assert parse_care_time("12.45", summer, zone) == datetime(2026, 7, 1, 11, 45, tzinfo=UTC)
    for bad in ("24:00", "12", "7pm", "12:60", "١٢:٣٠"):
        assert parse_care_time(bad, summer, zone) is None


@pytest.mark.parametrize("data,field,message", [
    ({}, "care_kind", "Choose what you did"),
    ({"care_kind": "sauna"}, "care_kind", "Choose what you did"),
    ({"care_kind": "medicine"}, "care_medicine", "Enter the name of the medicine you took"),
    ({"care_kind": "ice", "care_medicine": "ibuprofen"}, "care_medicine", "Leave the medicine"),
    ({"care_kind": "medicine", "care_medicine": "x" * 201}, "care_medicine", "under 200"),
    ({"care_kind": "ice", "care_time": "25:00"}, "care_time", "like 14:30"),
    ({"care_kind": "ice", "care_time": "soon"}, "care_time", "like 14:30"),
    ({"care_kind": "ice", "care_minutes": "0"}, "care_minutes", "from 1 to 1440"),
    ({"care_kind": "ice", "care_minutes": "1441"}, "care_minutes", "from 1 to 1440"),
    ({"care_kind": "ice", "care_minutes": "-5"}, "care_minutes", "from 1 to 1440"),
    ({"care_kind": "ice", "care_minutes": "2.5"}, "care_minutes", "from 1 to 1440"),
    ({"care_kind": "ice", "care_note": "n" * 2001}, "care_note", "under 2000"),
])
def test_bad_care_input_names_the_field_and_writes_nothing(client, data, field, message):
    r = client.post("/diary/care", data={"care_time": "", **data})
    assert r.status_code == 422
    err = re.search(rf'<p class="bs-error-message" id="{field}-err">(.*?)</p>', r.text, re.S)
    assert err and message in err.group(1), r.text[:500]
    assert f'<a href="#{field}">' in r.text  # the error summary links to the field
    assert store_of(client).care_entries(pid(client)) == []
    # What was typed is kept, so nothing has to be entered again.
    if data.get("care_minutes"):
        assert f'value="{data["care_minutes"]}"' in r.text


# --- Settings --------------------------------------------------------------------------------

def test_settings_are_saved(client):
    r = client.post("/settings", data={"tz": "America/New_York", "wake": "06:30",
                                       "sleep": "23:15", "region": "US"})
    assert r.status_code == 200 and "Your settings are saved" in r.text
    p = store_of(client).get_profile(pid(client))
    assert (p.tz, p.wake.isoformat("minutes"), p.sleep.isoformat("minutes"), p.region) == (
        "America/New_York", "06:30", "23:15", "US")
    r = client.post("/settings", data={"tz": "America/New_York", "wake": "21:00",
                                       "sleep": "05:30", "region": "US"})
    assert r.status_code == 200 and "Your settings are saved" in r.text  # across midnight
    html = client.get("/settings").text
    assert 'value="America/New_York"' in html and 'value="05:30"' in html
    assert 'id="region-US" name="region" value="US" checked' in html


def test_settings_time_zone_is_a_searchable_list_and_region_a_short_list(client):
    html = client.get("/settings").text
    assert 'list="tz-list"' in html and '<datalist id="tz-list">' in html
    zones = re.findall(r'<option value="([^"]+)">', html)
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "UTC"} <= set(zones)
    assert zones[:-1] == sorted(zones[:-1]) and len(zones) > 300
    assert 'data-from-device="1"' in html  # never chosen: the device's zone fills it (JS)
    assert html.count('type="radio" id="region-') == 3 and "<select" not in html


@pytest.mark.parametrize("field,value,message", [
    ("tz", "Mars/Olympus", "Enter a time zone name"),
    ("tz", "../../etc/passwd", "Enter a time zone name"),
    ("tz", "EST5EDT ", "Enter a time zone name"),
    ("wake", "7am", "Enter the time you get up"),
    ("sleep", "24:00", "Enter the time you go to bed"),
    ("sleep", "07:00", "must be different from the time you get up"),
    ("region", "ZZ", "Choose where you live"),
])
def test_bad_settings_name_the_field_and_change_nothing(client, field, value, message):
    good = {"tz": "Europe/Paris", "wake": "07:00", "sleep": "22:00", "region": "EU"}
    before = store_of(client).get_profile(pid(client))
    r = client.post("/settings", data={**good, field: value})
    assert r.status_code == 422 and message in r.text
    assert f'href="#{field}"' in r.text
    assert store_of(client).get_profile(pid(client)) == before


# --- Privacy ---------------------------------------------------------------------------------

def test_privacy_page_says_what_is_kept_with_counts(client):
    client.post("/diary/pain", data={"score": "4"})
    html = client.get("/privacy").text
    assert "Your pain scores (1)" in html
    assert 'href="/privacy/export"' in html and 'href="/privacy/delete"' in html


def test_export_downloads_the_stores_json_export(client):
    client.post("/diary/episode/start", data={"hours": "2"})
    client.post("/diary/pain", data={"score": "4"})
    r = client.get("/privacy/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["content-disposition"].startswith('attachment; filename="backspasm-diary-')
    assert r.headers["cache-control"] == "no-store"
    assert r.json() == store_of(client).export_profile(pid(client))


def test_delete_everything_asks_first_then_deletes_diary_and_journeys(client):
    from sqlalchemy import func, select

    from backspasm.store.models import web_journeys as journeys

    client.post("/triage/start", data={})  # an unfinished triage journey
    client.post("/triage/q/chest_pain", data={"answer": "no"})
    client.post("/diary/pain", data={"score": "4"})
    old = pid(client)
    confirm = client.get("/privacy/delete")
    assert confirm.status_code == 200 and "cannot undo" in confirm.text
    assert store_of(client).counts(old)["pain"] == 1  # looking at the page deletes nothing
    r = client.post("/privacy/delete", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/privacy/deleted"
    engine = store_of(client).engine
    with engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(journeys)
                            .where(journeys.c.profile == str(old))).scalar()
    assert left == 0
    assert client.get("/api/v1/pain").json() == {"pain": []}
    assert client.get("/diary").status_code == 200  # a fresh, empty profile


# --- JSON API --------------------------------------------------------------------------------

def test_api_round_trip(client):
    r = client.post("/api/v1/episodes", json={"onset": "2026-01-01T08:00:00Z",
                                              "trigger": "lifting"})
    assert r.status_code == 201
    ep = r.json()
    assert ep["onset"] == "2026-01-01T08:00:00Z" and ep["ended_at"] is None
    assert client.post("/api/v1/pain", json={"score": 6, "note": "after walking"}
                       ).status_code == 201
    assert client.post("/api/v1/care", json={"kind": "medicine", "medicine": "ibuprofen"}
                       ).status_code == 201
    got = client.get(f"/api/v1/episodes/{ep['id']}").json()
    assert [p["score"] for p in got["pain"]] == [6]
    assert got["care"][0]["medicine"] == "ibuprofen"
    assert client.get("/api/v1/episodes").json()["episodes"] == [ep]
    status = client.get("/api/v1/status").json()
    assert status["episode"]["id"] == ep["id"] and status["pain"]["latest"] == 6
    assert "lasting-over-72h" in [r["rule"] for r in status["new_reasons"]]
    end = client.post("/api/v1/episodes/current/end")
    assert end.status_code == 200 and end.json()["ended_at"]
    assert client.post("/api/v1/episodes/current/end").status_code == 409


@pytest.mark.parametrize("path,body,field", [
    ("/api/v1/pain", {"score": 11}, "score"),
    ("/api/v1/pain", {"score": True}, "score"),
    ("/api/v1/pain", {}, "score"),
    ("/api/v1/pain", {"score": 3, "mood": 1}, "mood"),
    ("/api/v1/pain", {"score": 3, "at": "yesterday"}, "at"),
    ("/api/v1/pain", {"score": 3, "at": "2999-01-01T00:00:00Z"}, "at"),
    ("/api/v1/pain", {"score": 3, "note": 5}, "note"),
    ("/api/v1/care", {"kind": "massage"}, "kind"),
    ("/api/v1/care", {"kind": "medicine"}, "medicine"),
    ("/api/v1/care", {"kind": "ice", "minutes": 0}, "minutes"),
    ("/api/v1/episodes", {"trigger": "bad"}, "trigger"),
    ("/api/v1/episodes", [], "body"),
])
def test_api_bad_input_is_problem_json_naming_the_field_and_writes_nothing(client, path, body,
                                                                           field):
    before = store_of(client).counts(pid(client))
    r = client.post(path, json=body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field and r.json()["detail"].startswith(field)
    assert store_of(client).counts(pid(client)) == before


def test_api_not_json_and_too_large(client):
    r = client.post("/api/v1/pain", content=b"{score", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "body"
    r = client.post("/api/v1/pain", content=b"[" + b" " * 70_000 + b"]")
    assert r.status_code == 413


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/api/v1/pain", "/api/v1/care", "/api/v1/episodes"]),
       body=st.dictionaries(
           st.sampled_from(["score", "at", "note", "kind", "start", "minutes", "medicine",
                            "onset", "trigger", "x"]),
           st.one_of(st.none(), st.booleans(), st.integers(-5, 2000), st.floats(),
                     st.text(max_size=20), st.lists(st.integers(), max_size=2)),
           max_size=4))
def test_api_never_fails_with_a_500(client, path, body):
    # json.dumps writes NaN/Infinity as Python does: bodies that are not strict JSON.
    r = client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code in (201, 409, 422), (path, body, r.text)
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json"


def test_every_diary_operation_is_in_openapi_with_its_4xx(client):
    spec = client.get("/api/openapi.json").json()
    ops = {(m.upper(), p) for p, ms in spec["paths"].items() for m in ms}
    for op in [("GET", "/api/v1/episodes"), ("POST", "/api/v1/episodes"),
               ("GET", "/api/v1/episodes/{episode_id}"),
               ("POST", "/api/v1/episodes/current/end"), ("GET", "/api/v1/pain"),
               ("POST", "/api/v1/pain"), ("GET", "/api/v1/care"), ("POST", "/api/v1/care"),
               ("DELETE", "/api/v1/pain/{entry_id}"), ("DELETE", "/api/v1/care/{entry_id}"),
               ("GET", "/api/v1/status"),
               ("GET", "/api/v1/session")]:
        assert op in ops, op
    for method, path in [("get", "/api/v1/episodes/{episode_id}"),
                         ("delete", "/api/v1/pain/{entry_id}"),
                         ("delete", "/api/v1/care/{entry_id}")]:
        assert {"401", "403", "404", "422"} <= set(spec["paths"][path][method]["responses"])
    assert {"401", "403", "409", "413", "422"} <= set(
        spec["paths"]["/api/v1/pain"]["post"]["responses"])


def test_a_long_episode_keeps_the_diary_page_under_60_kb(client):
    store = store_of(client)
    now = datetime.now(UTC)
    store.start_episode(pid(client), onset=now - timedelta(days=7))
    for i in range(300):
        store.log_pain(pid(client), score=i % 11, at=now - timedelta(minutes=30 * i + 1))
    html = client.get("/diary").text
    assets = sum(len(client.get(u).content) for u in ("/static/bs.css", "/static/app.js"))
    assert len(html.encode()) + assets <= 60 * 1024
    assert html.count("/delete") == 20 and "Show all 300 entries" in html
    assert 'data-points="300"' in html and "300 pain scores" in html
    assert client.get("/diary?all=1").text.count("/delete") == 300


# --- one read per page ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/diary", "/diary?all=1", "/api/v1/status", "episode"])
def test_a_diary_page_reads_the_database_once(client, path):
    """The diary page and the status read everything they show (profile, episodes, pain
    and care of the window and of the status look-back, latest triage) in one read
    transaction, however many entries there are. (Worked out: a page seen again while
    nothing changed reads nothing, test_web_kept.py.)"""
    from web_helpers import works_pages_out

    works_pages_out(client)
    client.post("/diary/episode/start", data={"hours": "30"})
    for score in (7, 6, 5):
        client.post("/diary/pain", data={"score": str(score)})
    client.post("/diary/care", data={"care_kind": "ice", "care_minutes": "15"})
    client.post("/diary/episode/end", data={"confirm": "yes"})
    client.post("/diary/episode/start", data={"hours": "2"})
    client.post("/diary/pain", data={"score": "4"})
    if path == "episode":  # a past episode, asked for by id
        path = f"/diary/episodes/{store_of(client).episodes(pid(client))[0].id}"
    client.get(path)  # the first request of the app also finds its local profile
    assert transactions_of(client, path) == 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offsets=st.lists(st.integers(-3_600, 200_000), min_size=2, max_size=150),
       scores=st.lists(st.integers(0, 10), min_size=150, max_size=150),
       hours=st.integers(1, 2_200))
def test_chart_line_is_drawn_where_x_and_y_put_it(offsets, scores, hours):
    """The polyline of a long episode is written out for speed: every point still lies
    where the chart's x() and y() put it, to the same decimal."""
    from backspasm.web import chart

    since, until = T0, T0 + timedelta(hours=hours)
    pain = [ChartPoint(T0 + timedelta(seconds=o), scores[i]) for i, o in enumerate(offsets)]
    svg = pain_chart_svg(pain, [], since=since, until=until, tz="Europe/London",
                         care_labels={})
    until = max(until, since + chart.MIN_SPAN)  # the shortest window drawn
    drawn = sorted((p for p in pain if since <= p.at <= until), key=lambda p: p.at)
    line = re.search(r'<polyline class="bs-chart__line" points="([^"]*)"', svg)
    if len(drawn) < 2:
        assert line is None
        return
    span = (until - since).total_seconds()
    plot_w = chart.WIDTH - chart.LEFT - chart.RIGHT
    plot_h = chart.HEIGHT - chart.TOP - chart.BOTTOM
    want = " ".join(
        f"{round(chart.LEFT + plot_w * min(max((p.at - since).total_seconds() / span, 0), 1), 1)},"
        f"{round(chart.TOP + plot_h * (1 - p.score / 10), 1)}" for p in drawn)
    assert line is not None and line.group(1) == want


def test_chart_draws_the_stores_entries_as_they_are():
    """The page passes the store's entries to the chart: the same picture as ChartPoints."""
    from backspasm.store import CareEntry, PainEntry

    pain = [PainEntry(i, 1, T0 + timedelta(hours=i), (i * 3) % 11, None) for i in range(130)]
    care = [CareEntry(1, 1, "ice", T0 + timedelta(hours=2), 20, None, None)]
    kw = {"since": T0, "until": T0 + timedelta(days=6), "tz": "Europe/London",
          "care_labels": {"ice": "Ice"}}
    assert pain_chart_svg(pain, care, **kw) == pain_chart_svg(
        [ChartPoint(p.at, p.score) for p in pain], [ChartCare(c.start, c.kind, c.minutes)
                                                     for c in care], **kw)


def test_cached_date_texts_are_keyed_by_instant_and_zone():
    """The page and the chart keep formatted times (Babel is slow): the same instant reads
    differently in two zones, never one person's text for another's zone."""
    from zoneinfo import ZoneInfo

    from backspasm.web import chart
    from backspasm.web.pages import diary

    at = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    london, tokyo = ZoneInfo("Europe/London"), ZoneInfo("Asia/Tokyo")
    assert diary._local(at, london) != diary._local(at, tokyo)
    assert diary._local(at, tokyo) == diary._local(at.astimezone(london), tokyo)
    assert chart._label(at, london) != chart._label(at, tokyo)
    assert "23:30" in diary._local(at, london) and "08:30" in diary._local(at, tokyo)
