"""Issue 13, done when: the page, `backspasm plan --json`, the calendar (file and feed) and
the FHIR CarePlan agree on the same times for the same diary; a calendar made at two
moments without diary changes is the same file apart from DTSTAMP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from backspasm.web.deps import get_now
from web_helpers import make_client

ONSET = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)  # 07:30 in London (BST)
ICE_DONE = ONSET + timedelta(minutes=95)  # 09:05: ticks off the 07:30 ice, moves the rest
NOW = ONSET + timedelta(hours=4, minutes=5)  # 11:35: the 10:55 ice is due


@pytest.fixture
def diary(tmp_path):
    client = make_client(tmp_path, timezone="Europe/London")
    pid = client.app.state.diary.local_profile_id()
    store = client.app.state.store
    store.start_episode(pid, onset=ONSET)
    store.log_care(pid, kind="ice", start=ICE_DONE, minutes=20)
    client.app.dependency_overrides[get_now] = lambda: NOW
    return client, f"sqlite:///{tmp_path / 'web.db'}"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _cli(url: str, now: datetime) -> dict:
    r = subprocess.run([sys.executable, "-m", "backspasm", "plan", "--json", "--db", url,
                        "--now", now.isoformat()], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _events(ics: bytes) -> list[tuple[str, datetime, datetime]]:
    cal = icalendar.Calendar.from_ical(ics)
    return [(str(e["SUMMARY"]), e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
            for e in cal.walk("VEVENT")]


def test_page_cli_calendar_feed_and_fhir_agree_on_the_times(diary):
    client, url = diary
    kb = client.app.state.kb
    title = {k["kind"]: k["title"] for k in kb["plan"]["session_kinds"]}
    plan = _cli(url, NOW)
    sessions = plan["sessions"]
    ahead = [(title[s["kind"]], _utc(s["start"]), _utc(s["end"])) for s in sessions
             if s["status"] in ("due", "upcoming")]
    ice = [s for s in sessions if s["kind"] == "ice"][:3]
    assert [(s["start"][11:16], s["status"]) for s in ice] == [
        ("07:30", "done"), ("10:55", "due"), ("12:45", "upcoming")]  # 09:05 + 20 + 90

    # The page: the session due now, and today's timeline at the same instants.
    page = client.get("/plan").text
    assert "due since" in page and "10:55" in page
    today = [s for s in sessions if s.get("done_start", s["start"])[:10] == "2026-06-01"]
    shown = [_utc(t) for t in re.findall(
        r'<time datetime="([^"]+)">[^<]*–', page.split('class="bs-timeline"')[1])]
    assert shown == [_utc(s.get("done_start", s["start"])) for s in today]

    # The calendar file and the feed: the due and upcoming sessions, the same times.
    assert sorted(_events(client.get("/export/calendar.ics").content)) == sorted(ahead)
    r = client.post("/exports/feed", data={"csrf_token": ""})
    feed = re.search(r"/feeds/[\w-]+\.ics", r.text)
    assert feed is not None
    assert sorted(_events(client.get(feed.group(0)).content)) == sorted(ahead)

    # The FHIR CarePlan: every planned session at the same times; completed one to one.
    bundle = client.get("/export/fhir.json").json()
    (careplan,) = [e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "CarePlan"]
    acts = [(a["detail"]["code"]["coding"][0]["code"],
             _utc(a["detail"]["scheduledPeriod"]["start"]), a["detail"]["status"])
            for a in careplan["activity"]]
    planned = [s for s in sessions if s.get("planned", True)]
    assert sorted((k, t) for k, t, _ in acts) == sorted(
        (s["kind"], _utc(s["start"])) for s in planned)
    assert [(k, t) for k, t, st in acts if st == "completed"] == [
        (s["kind"], _utc(s["start"])) for s in planned if s["status"] == "done"] == [
        ("ice", ONSET)]


def test_a_calendar_made_at_two_moments_differs_only_in_dtstamp(diary):
    client, _ = diary

    def at(moment: datetime) -> bytes:
        client.app.dependency_overrides[get_now] = lambda: moment
        return client.get("/export/calendar.ics").content

    first, later = at(NOW), at(NOW + timedelta(minutes=7))
    assert first != later  # DTSTAMP is the moment the file was made

    def without_stamp(ics: bytes) -> list[bytes]:
        return [line for line in ics.splitlines() if not line.startswith(b"DTSTAMP")]

    assert without_stamp(first) == without_stamp(later)
    # Logging a session changes the sessions after it, and only those get new UIDs.
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(first).walk("VEVENT")}
    pid = client.app.state.diary.local_profile_id()
    client.app.state.store.log_care(pid, kind="ice", start=NOW, minutes=20)
    moved = {str(e["UID"]) for e in icalendar.Calendar.from_ical(
        at(NOW + timedelta(minutes=21))).walk("VEVENT")}
    assert moved != uids
    assert {u for u in uids if "-heat-" in u} == {u for u in moved if "-heat-" in u}
