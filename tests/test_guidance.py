"""One decision, used by every door (H4): after an emergency result no door shows a plan,
a timer or a calendar; each shows the emergency card instead (core.guidance)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backspasm.core.guidance import Guidance, Seen, emergency_view, guidance
from backspasm.knowledge import load_knowledge
from web_helpers import make_client, text_of, walk

BIN = Path(sys.executable).with_name("backspasm")
T0 = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


# --- the pure decision ------------------------------------------------------------------

def test_the_newest_result_decides_and_an_emergency_stands_until_a_newer_check():
    emergency = Seen("emergency", T0, ("bladder-bowel",))
    later_ok = Seen("self_care", T0 + timedelta(hours=1))
    assert guidance([emergency], episode_open=True).show == "emergency"
    assert guidance([emergency, later_ok], episode_open=True).show == "plan"
    assert guidance([later_ok, Seen("emergency_ambulance", T0 + timedelta(hours=2))],
                    episode_open=True).emergency
    # an emergency on screen (not saved) is the newest, whatever the diary says
    assert guidance([later_ok, Seen("emergency", None)], episode_open=True).emergency
    # an emergency stands with no episode, or an ended one
    assert guidance([emergency], episode_open=False, had_episode=True).emergency
    # the diary's own re-assessment can make it an emergency too
    assert guidance([later_ok], episode_open=True, extra_levels=["emergency"]).emergency


LEVEL = st.sampled_from(["emergency_ambulance", "emergency", "consultation_24",
                         "consultation", "self_care"])
HISTORY = st.lists(st.tuples(LEVEL, st.integers(0, 10_000)), max_size=6,
                   unique_by=lambda x: x[1])


@given(history=HISTORY, newest=LEVEL, episode=st.sampled_from([True, False, None]),
       extra=st.lists(LEVEL, max_size=2))
def test_the_plan_is_shown_exactly_when_nothing_newer_says_emergency(history, newest,
                                                                     episode, extra):
    """For any history of results, any episode state and any re-assessment: a self-care
    plan is allowed only when the newest result and the re-assessment are not emergencies;
    an emergency is never turned into a plan by the episode state."""
    seen = [Seen(level, T0 + timedelta(minutes=m)) for level, m in history]
    seen.append(Seen(newest, T0 + timedelta(days=30)))
    g = guidance(seen, episode_open=episode, extra_levels=extra)
    urgent = {"emergency_ambulance", "emergency"}
    assert g.emergency == (newest in urgent or bool(urgent & set(extra)))
    assert not (g.emergency and g.self_care)
    if not g.emergency:
        assert g.self_care == (episode is not False)


def test_no_plan_without_an_open_episode_but_nothing_stands_in_the_way():
    assert guidance([], episode_open=False).show == "no_episode"
    assert guidance([], episode_open=False, had_episode=True).show == "episode_ended"
    assert guidance([], episode_open=None).self_care
    for level in ("consultation_24", "consultation", "self_care"):
        assert guidance([Seen(level, T0)], episode_open=True).self_care


def test_emergency_view_is_the_card_for_the_region_with_the_reasons():
    kb = load_knowledge()
    g = guidance([Seen("emergency", T0, ("bladder-bowel",),
                       {"bladder_bowel_change": True, "now": T0.isoformat()})])
    view = emergency_view(kb, g, region="US", now=T0)
    assert view["care_card"]["emergency"] and view["care_card"]["emergency_number"] == "911"
    assert "advice" not in view and [r["rule"] for r in view["reasons"]]
    # saved answers that no longer parse: the saved level and rules still make the card
    g = guidance([Seen("emergency_ambulance", T0, ("chest-pain",), {"no_such": 1})])
    view = emergency_view(kb, g, region="GB", now=T0)
    assert view["care_card"]["emergency_number"] == "999"
    assert [r["rule"] for r in view["reasons"]] == ["chest-pain"]
    with pytest.raises(ValueError):
        emergency_view(kb, Guidance("plan"), region="GB", now=T0)


# --- web ----------------------------------------------------------------------------------

def _emergency_client(tmp_path):
    client = make_client(tmp_path, timezone="Europe/London")
    client.post("/plan/onset", data={"hours": "10"})  # a plan was running
    assert "Ice" in client.get("/plan").text
    r, _ = walk(client, {"chest_pain": "no", "fainting_or_collapse": "no",
                         "saddle_numbness": "no", "bladder_bowel_change": "yes"})
    assert r.url.path == "/triage/stop"
    return client


def _is_emergency_card(html: str) -> None:
    assert 'href="tel:999"' in html and "bs-card--emergency" in html
    page = text_of(html)
    assert "Ice pack" not in page and "Start a timer" not in page
    assert "calendar.ics" not in html and 'id="timer"' not in html


def test_after_an_emergency_the_plan_and_the_timers_show_the_emergency_card(tmp_path):
    client = _emergency_client(tmp_path)
    _is_emergency_card(client.get("/plan").text)
    for slug in ("ice", "heat", "contrast"):
        _is_emergency_card(client.get(f"/timer/{slug}").text)
        _is_emergency_card(client.post(f"/timer/{slug}/start").text)
    _is_emergency_card(client.post("/plan/onset", data={"hours": "2"}).text)
    # the calendar download and the API agree: the one decision
    assert client.get("/export/calendar.ics").status_code == 422
    r = client.post("/api/v1/plan", json={"onset": (datetime.now(UTC) - timedelta(hours=3))
                                          .isoformat(), "tz": "Europe/London"})
    assert r.status_code == 409 and r.json()["field"] == "plan"
    status = client.get("/api/v1/status").json()
    assert status["shows"] == "emergency" and status["next_session"] is None


def test_after_an_emergency_learn_shows_the_emergency_card_not_the_stretches(tmp_path):
    client = _emergency_client(tmp_path)
    html = client.get("/learn").text
    _is_emergency_card(html)
    page = text_of(html)
    assert "Gentle stretches" not in page and "Knee to chest" not in page
    assert "Resting positions" not in page and "Finger pressure" not in page


def test_after_an_emergency_the_diary_shows_the_emergency_card_first(tmp_path):
    client = _emergency_client(tmp_path)
    html = client.get("/diary").text
    assert 'href="tel:999"' in html and "bs-card--emergency" in html
    assert html.index("bs-card--emergency") < html.index("Log care you took")


def test_after_an_emergency_the_exports_page_shows_the_card_and_no_calendar_download(tmp_path):
    client = _emergency_client(tmp_path)
    html = client.get("/exports").text
    assert 'href="tel:999"' in html and "bs-card--emergency" in html
    assert "/export/calendar.ics" not in html  # the download is refused (422) after one
    assert 'action="/exports/feed"' not in html  # no new reminders link either
    assert "/export/report.pdf" in html  # the report for the hospital stays


def test_a_newer_check_without_warning_signs_brings_the_plan_back(tmp_path):
    from web_helpers import SELF_CARE

    client = _emergency_client(tmp_path)
    walk(client, SELF_CARE)
    client.post("/triage/check", data={"csrf_token": ""})
    assert "Ice pack" in text_of(client.get("/plan").text)


# --- CLI ----------------------------------------------------------------------------------

def _cli(db: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKSPASM_DATABASE_URL": db, "TZ": "Europe/London"}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env,
                          input=input, timeout=120)


def test_cli_plan_timer_and_status_show_the_emergency_card_after_an_emergency(db_url):
    from backspasm.store import open_store

    with open_store(db_url) as s:
        pid = s.ensure_profile("local", tz="Europe/London").id
        s.start_episode(pid, onset=datetime.now(UTC) - timedelta(hours=5))
    r = _cli(db_url, "triage", "--answers", "-", "--save",
             input=json.dumps({"bladder_bowel_change": True}))
    assert r.returncode == 0 and "999" in r.stdout, r.stderr
    onset = (datetime.now(UTC) - timedelta(hours=5)).isoformat()
    plan = _cli(db_url, "plan", "--onset", onset)
    assert plan.returncode == 4 and "999" in plan.stdout and "Ice" not in plan.stdout
    assert "emergency" in plan.stderr
    as_json = json.loads(_cli(db_url, "plan", "--onset", onset, "--json").stdout)
    assert as_json["shows"] == "emergency" and "sessions" not in as_json
    timer = _cli(db_url, "timer", "ice", "--minutes", "0.01")
    assert timer.returncode == 4 and "999" in timer.stdout
    status = _cli(db_url, "status")
    assert status.returncode == 0 and "999" in status.stdout and "Next:" not in status.stdout
    rep = json.loads(_cli(db_url, "status", "--json").stdout)
    assert rep["shows"] == "emergency" and rep["care_card"]["emergency"]
    assert rep["phase"] is None and rep["next_session"] is None
    ics = _cli(db_url, "export", "ics", "-")
    assert ics.returncode == 2 and "emergency" in ics.stderr


def test_cli_plan_without_a_diary_entry_is_unchanged(tmp_path):
    onset = (datetime.now(UTC) - timedelta(hours=5)).isoformat()
    r = _cli(str(tmp_path / "none.db"), "plan", "--onset", onset, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["phase"] == "acute"
    assert not (tmp_path / "none.db").exists()
