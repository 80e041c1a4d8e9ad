"""``backspasm plan``: JSON contract, readable timeline, defaults and bad input (real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime

import pytest

from backspasm.cli.plan import local_zone_name


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backspasm", "plan", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
        timeout=60,
    )


def test_json_is_the_contract():
    r = run(
        "--onset",
        "2025-06-02T09:00+01:00",
        "--now",
        "2025-06-02T10:00+01:00",
        "--tz",
        "Europe/London",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert list(d) == [
        "phase",
        "hours_since_onset",
        "timezone",
        "sessions",
        "steps",
        "knowledge_version",
    ]
    assert d["phase"] == "acute" and d["hours_since_onset"] == 1.0
    assert d["timezone"] == "Europe/London"
    assert d["sessions"][0] == {
        "kind": "ice",
        "start": "2025-06-02T09:00:00+01:00",
        "end": "2025-06-02T09:20:00+01:00",
        "status": "due",
    }
    assert all(set(s) == {"kind", "start", "end", "status"} for s in d["sessions"])
    assert {s["status"] for s in d["sessions"][1:]} == {"upcoming"}
    assert all({"id", "title", "text", "sources"} <= set(s) for s in d["steps"])
    assert r.stderr == ""


def test_options_reach_the_scheduler():
    r = run(
        "--onset",
        "2025-06-02T09:00Z",
        "--now",
        "2025-06-06T09:00Z",
        "--tz",
        "UTC",
        "--wake",
        "08:30",
        "--sleep",
        "20:00",
        "--days",
        "5",
        "--trend",
        "better",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["phase"] == "recovery"
    assert "gentle-stretching" in [s["id"] for s in d["steps"]]
    ends = [datetime.fromisoformat(s["end"]) for s in d["sessions"]]
    starts = [datetime.fromisoformat(s["start"]) for s in d["sessions"]]
    assert max(ends) <= datetime.fromisoformat("2025-06-07T09:00+00:00")
    assert all(s.strftime("%H:%M") >= "08:30" for s in starts)
    assert all(e.strftime("%H:%M") <= "20:00" for e in ends)
    assert min(s for s in starts if s.date().day == 7).strftime("%H:%M") == "08:30"


def test_onset_without_offset_is_local_time_in_tz():
    r = run(
        "--onset",
        "2025-06-02T09:00",
        "--now",
        "2025-06-02T09:00",
        "--tz",
        "America/New_York",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["sessions"][0]["start"] == "2025-06-02T09:00:00-04:00"


def test_timeline_is_readable_day_by_day():
    r = run(
        "--onset",
        "2025-06-02T09:00+01:00",
        "--now",
        "2025-06-05T10:00+01:00",
        "--tz",
        "Europe/London",
        "--days",
        "4",
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "After 72 hours" in out
    assert "Thursday 5 June" in out and "Friday 6 June" in out
    assert "09:00–09:05" in out and "Check-in" in out
    assert "Now: Check-in: 72 hours, due since 09:00." in out
    assert "Monday 2 June" not in out  # the days before today are left out
    assert "Heat" in out and "Hot and cold shower" in out
    assert "Sources:" in out and "Not a diagnosis" in out
    assert "Gentle stretches" not in out  # not easing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--onset", "yesterday"], "--onset: expected a date and time"),
        (
            ["--onset", "2025-06-02T09:00Z", "--now", "2025-06-01T09:00Z"],
            "--onset: expected a time not after now",
        ),
        (["--onset", "2025-06-02T09:00Z", "--now", "soon"], "--now: expected a date and time"),
        (
            ["--onset", "2025-06-02T09:00Z", "--tz", "Mars/Olympus"],
            "--tz: expected an IANA time zone",
        ),
        (["--onset", "2025-06-02T09:00", "--tz", "Nowhere"], "--tz: expected an IANA time zone"),
        (
            ["--onset", "2025-06-02T09:00Z", "--wake", "7am"],
            "--wake: expected a time of day as HH:MM",
        ),
        (["--onset", "2025-06-02T09:00Z", "--sleep", "24:00"], "--sleep: expected a time of day"),
        (
            ["--onset", "2025-06-02T09:00Z", "--wake", "07:00", "--sleep", "07:00"],
            "--sleep: expected a sleeping time different from the waking time",
        ),
        (
            ["--onset", "2025-06-02T09:00Z", "--days", "0"],
            "--days: expected a whole number of days from 1 to 28",
        ),
        (["--onset", "2025-06-02T09:00Z", "--days", "seven"], "--days: expected a whole number"),
        (
            ["--onset", "2025-06-02T09:00Z", "--pain", "11"],
            "--pain: expected a whole number from 0 to 10",
        ),
        (
            ["--onset", "2025-06-02T09:00Z", "--trend", "up"],
            "--trend: expected one of better, same, worse",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_option(args, message):
    r = run(*args, "--json")
    assert r.returncode == 2
    assert r.stderr.startswith("Error: ") and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_missing_onset_without_an_open_episode_is_a_usage_error(tmp_path):
    r = run("--json", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert r.returncode == 2 and "--onset" in r.stderr and "No episode is open" in r.stderr
    assert not (tmp_path / "none.db").exists()  # never made just to be read


def _diary(tmp_path, *, tz="Europe/London", wake=None, sleep=None):
    from datetime import UTC, time

    from backspasm.store import open_store

    url = f"sqlite:///{tmp_path / 'diary.db'}"
    with open_store(url, clock=lambda: datetime(2025, 6, 2, 12, 0, tzinfo=UTC)) as store:
        p = store.ensure_profile("local")
        store.update_profile(p.id, tz=tz, wake=wake or time(7), sleep=sleep or time(22))
        store.start_episode(p.id, onset=datetime(2025, 6, 2, 6, 30, tzinfo=UTC))
        store.log_care(p.id, kind="ice", start=datetime(2025, 6, 2, 8, 15, tzinfo=UTC),
                       minutes=20)
    return url


def test_with_an_open_episode_the_plan_follows_the_diary_and_profile(tmp_path):
    url = _diary(tmp_path)
    r = run("--json", "--db", url, "--now", "2025-06-02T09:40+01:00")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["timezone"] == "Europe/London"  # the profile's zone, not the computer's
    ice = [s for s in d["sessions"] if s["kind"] == "ice"][:3]
    # onset 07:30 BST; the ice logged at 09:15 BST ticks off the 07:30 one (09:20 had not
    # begun) and the next waits 20 + 90 minutes
    assert [(s["start"][11:16], s["status"]) for s in ice] == [
        ("07:30", "done"), ("11:05", "upcoming"), ("12:55", "upcoming")]
    assert ice[0]["done_start"] == "2025-06-02T09:15:00+01:00"
    text = run("--db", url, "--now", "2025-06-02T09:40+01:00")
    assert text.returncode == 0, text.stderr
    assert "done at 09:15" in text.stdout and "11:05–11:25" in text.stdout


def test_with_a_diary_onset_still_gives_a_plan_without_it(tmp_path):
    url = _diary(tmp_path)
    r = run("--json", "--db", url, "--onset", "2025-06-02T07:30+01:00", "--now",
            "2025-06-02T09:40+01:00", "--tz", "Europe/London")
    d = json.loads(r.stdout)
    assert not any(s["status"] == "done" for s in d["sessions"])


def test_a_night_shift_profile_plans_the_night(tmp_path):
    from datetime import time

    url = _diary(tmp_path, wake=time(23), sleep=time(7))
    d = json.loads(run("--json", "--db", url, "--now", "2025-06-02T09:40+01:00").stdout)
    starts = [s["start"][11:16] for s in d["sessions"] if s["status"] == "upcoming"][:3]
    assert starts == ["23:00", "00:50", "02:40"]


def test_default_zone_comes_from_tz_environment(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert local_zone_name() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "Not/AZone")
    assert local_zone_name() != "Not/AZone"
    r = run(
        "--onset",
        "2025-06-02T09:00",
        "--now",
        "2025-06-02T09:00",
        "--json",
        env={"TZ": "Asia/Tokyo"},
    )
    assert json.loads(r.stdout)["timezone"] == "Asia/Tokyo"


def test_tz_environment_sets_the_zone_of_a_real_run():
    r = run(
        "--onset", "2025-06-02T09:00", "--now", "2025-06-02T09:00", "--json",
        env={"TZ": "America/New_York"},
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["timezone"] == "America/New_York"
    # the onset without an offset is read as New York wall time (EDT in June)
    assert out["sessions"][0]["start"] == "2025-06-02T09:00:00-04:00"


def test_an_unknown_tz_falls_back_to_the_computers_zone(monkeypatch):
    import tzlocal

    monkeypatch.setenv("TZ", "Not/AZone")
    assert local_zone_name() == (tzlocal.get_localzone_name() or "UTC")
