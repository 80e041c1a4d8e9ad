"""The care-plan scheduler and its knowledge: one test per scheduling rule, DST days, errors."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from backspasm.core.plan import (
    PlanError,
    Session,
    is_easing,
    make_plan,
    phase_at,
    session_kind,
    steps_for_phase,
    timer_stages,
)
from backspasm.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge
from backspasm.knowledge import load_knowledge_from as _load_from

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)


def of(plan, kind: str) -> list[Session]:
    return [s for s in plan.sessions if s.kind == kind]


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def hhmm(dt: datetime) -> str:
    return dt.strftime("%H:%M")


# --- the contract -----------------------------------------------------------------------


def test_to_dict_is_the_json_contract(kb):
    onset = local(LONDON, 2025, 6, 2, 9, 0)
    plan = make_plan(kb, onset=onset, now=onset + timedelta(hours=1), tz="Europe/London")
    d = plan.to_dict()
    assert list(d) == [
        "phase",
        "hours_since_onset",
        "timezone",
        "sessions",
        "steps",
        "knowledge_version",
    ]
    assert d["phase"] == "acute"
    assert d["hours_since_onset"] == 1.0
    assert d["timezone"] == "Europe/London"
    assert d["knowledge_version"] == kb.version
    first = d["sessions"][0]
    assert first == {  # the first ice at the onset, due an hour later
        "kind": "ice",
        "start": "2025-06-02T09:00:00+01:00",
        "end": "2025-06-02T09:20:00+01:00",
        "status": "due",
    }
    for step in d["steps"]:
        assert {"id", "title", "text", "sources"} <= set(step)
        assert step["sources"]
    # RFC 3339 with offsets that round-trip
    for s in d["sessions"]:
        assert datetime.fromisoformat(s["start"]).utcoffset() is not None


def test_sessions_are_in_the_requested_zone(kb):
    onset = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=onset, tz="America/New_York")
    assert all(s.start.tzinfo == NEW_YORK for s in plan.sessions)
    assert plan.sessions[0].start.isoformat() == "2025-06-02T08:00:00-04:00"


# --- phases and steps -------------------------------------------------------------------


def test_phase_switches_at_72_hours(kb):
    onset = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    assert phase_at(kb, onset, onset + timedelta(hours=72) - timedelta(seconds=1)) == "acute"
    assert phase_at(kb, onset, onset + timedelta(hours=72)) == "recovery"


def test_phase_is_elapsed_time_not_wall_clock_across_dst(kb):
    # Clocks go forward in London on 2025-03-30: 72 real hours is 73 hours on the wall clock.
    onset = local(LONDON, 2025, 3, 28, 12, 0)
    assert phase_at(kb, onset, local(LONDON, 2025, 3, 31, 12, 30)) == "acute"
    assert phase_at(kb, onset, local(LONDON, 2025, 3, 31, 13, 0)) == "recovery"


def test_acute_steps_have_rest_and_ice_but_no_heat(kb):
    ids = [s["id"] for s in steps_for_phase(kb, "acute")]
    assert {"stop-and-lie-down", "short-rest-only", "resting-positions", "ice"} <= set(ids)
    assert {"finger-pressure", "fluids", "pain-relief"} <= set(ids)
    assert "heat" not in ids and "gentle-stretching" not in ids


def test_recovery_steps_have_heat_and_stretching_only_when_easing(kb):
    ids = [s["id"] for s in steps_for_phase(kb, "recovery", easing=False)]
    assert {"heat", "contrast-shower", "keep-moving", "physical-therapy"} <= set(ids)
    assert "ice" not in ids and "stop-and-lie-down" not in ids
    assert "gentle-stretching" not in ids
    assert "gentle-stretching" not in [
        s["id"] for s in steps_for_phase(kb, "recovery", easing=None)
    ]
    assert "gentle-stretching" in [s["id"] for s in steps_for_phase(kb, "recovery", easing=True)]
    # Never in the acute phase, even when easing.
    assert "gentle-stretching" not in [s["id"] for s in steps_for_phase(kb, "acute", easing=True)]


def test_make_plan_passes_easing_to_steps(kb):
    onset = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    now = onset + timedelta(days=4)
    with_easing = make_plan(kb, onset=onset, now=now, tz="UTC", easing=True)
    without = make_plan(kb, onset=onset, now=now, tz="UTC")
    assert "gentle-stretching" in [s["id"] for s in with_easing.steps]
    assert "gentle-stretching" not in [s["id"] for s in without.steps]


def test_is_easing_reads_trend_and_pain(kb):
    assert is_easing(kb, None, None) is None
    assert is_easing(kb, 8, "better") is True
    assert is_easing(kb, 3, "worse") is True
    assert is_easing(kb, 4, "same") is False
    assert is_easing(kb, None, "same") is False


def test_medicine_step_carries_the_evidence_notes(kb):
    step = next(s for s in steps_for_phase(kb, "acute") if s["id"] == "pain-relief")
    notes = " ".join(e["text"] for e in step["evidence"]).lower()
    assert "drive" in notes  # muscle relaxants: no driving
    assert "pharmacist" in notes
    assert {"NICE-NG59", "ACP-2017"} <= {sid for e in step["evidence"] for sid in e["sources"]}
    assert not any(ch.isdigit() and "mg" in step["text"] for ch in step["text"])
    assert "mg" not in step["text"].split()


def test_steps_returned_are_copies(kb):
    steps = steps_for_phase(kb, "acute")
    steps[0]["sources"].append("X")
    steps[0]["title"] = "changed"
    again = steps_for_phase(kb, "acute")
    assert "X" not in again[0]["sources"] and again[0]["title"] != "changed"


def test_unknown_phase_is_an_error(kb):
    with pytest.raises(PlanError) as err:
        steps_for_phase(kb, "chronic")
    assert err.value.field == "phase"


# --- ice --------------------------------------------------------------------------------


def test_ice_starts_at_the_onset_rounded_up_whatever_now(kb):
    onset = datetime(2025, 6, 2, 9, 0, 1, tzinfo=UTC)
    for minutes in (0, 1, 5, 61):
        plan = make_plan(kb, onset=onset, now=onset + timedelta(minutes=minutes), tz="UTC")
        assert plan.sessions[0].kind == "ice"
        assert plan.sessions[0].start == datetime(2025, 6, 2, 9, 1, tzinfo=UTC)


def test_ice_is_20_on_90_off_and_each_day_restarts_at_wake(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=onset, tz="UTC")
    ice = of(plan, "ice")
    assert all(s.duration == timedelta(minutes=20) for s in ice)
    day1 = [hhmm(s.start) for s in ice if s.start.date() == date(2025, 6, 2)]
    assert day1 == ["09:00", "10:50", "12:40", "14:30", "16:20", "18:10", "20:00"]
    day2 = [hhmm(s.start) for s in ice if s.start.date() == date(2025, 6, 3)]
    assert day2[0] == "07:00" and day2[1] == "08:50"
    # the last one of a day must end by 22:00: 20:00 + 110 min = 21:50, which would end 22:10
    assert hhmm(max(s.end for s in ice if s.start.date() == date(2025, 6, 2))) == "20:20"


def test_ice_waits_for_wake_time(kb):
    onset = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=onset, tz="UTC", wake=time(6, 30), sleep=time(23, 0))
    assert hhmm(plan.sessions[0].start) == "06:30"


def test_ice_ends_before_72_hours(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=onset, tz="UTC")
    ice = of(plan, "ice")
    assert max(s.end for s in ice) <= onset + timedelta(hours=72)
    # on day 4 (72 h is 09:00) 07:00 fits; 08:50 would end at 09:10, after 72 h
    assert [hhmm(s.start) for s in ice if s.start.date() == date(2025, 6, 5)] == ["07:00"]


def test_no_ice_in_recovery(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=onset + timedelta(hours=80), tz="UTC")
    assert plan.phase == "recovery"
    assert {s.status for s in of(plan, "ice")} == {"missed"}


# --- heat, contrast, check-in -----------------------------------------------------------


def test_heat_from_72_hours_at_most_4_a_day_2_hours_apart(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=onset, tz="UTC")
    heat = of(plan, "heat")
    assert heat, "a 7-day plan has heat sessions"
    assert min(s.start for s in heat) >= onset + timedelta(hours=72)
    by_day: dict[date, list[Session]] = {}
    for s in heat:
        by_day.setdefault(s.start.date(), []).append(s)
        assert s.duration == timedelta(minutes=20)
    assert max(len(v) for v in by_day.values()) == 4
    for day in by_day.values():
        for a, b in zip(day, day[1:], strict=False):
            assert utc(b.start) - utc(a.start) >= timedelta(hours=2)


def test_contrast_once_a_day_from_72_hours_and_check_in_at_72_hours(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=onset, tz="UTC")
    contrast = of(plan, "contrast_shower")
    assert len({s.start.date() for s in contrast}) == len(contrast)
    assert min(s.start for s in contrast) >= onset + timedelta(hours=72)
    assert all(s.duration == timedelta(minutes=15) for s in contrast)
    (check,) = of(plan, "check_in")
    assert check.start == onset + timedelta(hours=72)


def test_check_in_moves_to_the_next_waking_moment(kb):
    onset = datetime(2025, 6, 2, 23, 30, tzinfo=UTC)  # 72 h later is 23:30, asleep
    plan = make_plan(kb, onset=onset, now=onset, tz="UTC")
    (check,) = of(plan, "check_in")
    assert check.start == datetime(2025, 6, 6, 7, 0, tzinfo=UTC)
    assert plan.sessions.index(check) < plan.sessions.index(of(plan, "heat")[0])


def test_a_check_in_asked_for_later_stays_at_72_hours_and_is_due(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    now = onset + timedelta(hours=75, minutes=10)
    plan = make_plan(kb, onset=onset, now=now, tz="UTC")
    (check,) = of(plan, "check_in")
    assert check.start == onset + timedelta(hours=72) and check.status == "due"


def test_nothing_before_the_onset_or_after_the_horizon_and_past_ones_are_labelled(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    now = onset + timedelta(days=2, hours=3, minutes=17)
    plan = make_plan(kb, onset=onset, now=now, tz="UTC", days=5)
    assert min(s.start for s in plan.sessions) >= onset
    assert max(s.end for s in plan.sessions) <= onset + timedelta(days=5)
    assert all(s.status == "upcoming" for s in plan.sessions if s.start > now)
    assert all(s.status in ("missed", "due") for s in plan.sessions if s.start <= now)


def test_a_plan_past_its_horizon_is_empty(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=onset + timedelta(days=10), tz="UTC")
    assert {s.status for s in plan.sessions} == {"missed"}
    assert plan.phase == "recovery" and plan.steps


def test_short_waking_day_gets_no_session_that_does_not_fit(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=onset, tz="UTC", wake=time(9, 0), sleep=time(9, 10))
    assert [s.kind for s in plan.sessions] == ["check_in"]  # only the 5-minute check-in fits


# --- daylight saving --------------------------------------------------------------------


def _assert_elapsed(plan):
    lengths = {"ice": 20, "heat": 20, "contrast_shower": 15, "check_in": 5}
    for s in plan.sessions:
        assert utc(s.end) - utc(s.start) == timedelta(minutes=lengths[s.kind]), s


@pytest.mark.parametrize(
    ("zone", "day"),
    [(LONDON, date(2025, 3, 30)), (NEW_YORK, date(2025, 3, 9))],
    ids=["london", "new-york"],
)
def test_spring_forward_ice_across_the_gap(kb, zone, day):
    # Waking from 00:30 so sessions straddle the skipped hour (01:00 London, 02:00 New York).
    onset = datetime.combine(day, time(0, 30), tzinfo=zone)
    plan = make_plan(kb, onset=onset, now=onset, tz=zone.key, wake=time(0, 30), sleep=time(23, 30))
    _assert_elapsed(plan)
    ice = [s for s in of(plan, "ice") if s.start.date() == day]
    # every 110 real minutes, even though the wall clock jumps
    for a, b in zip(ice, ice[1:], strict=False):
        assert utc(b.start) - utc(a.start) == timedelta(minutes=110)
    assert ice[1].start.utcoffset() - ice[0].start.utcoffset() == timedelta(hours=1)
    # 00:30 + 110 min of real time reads 03:20 on the wall clock (one hour skipped)
    assert [hhmm(s.start) for s in ice[:2]] == ["00:30", "03:20"]


def test_spring_forward_wake_inside_the_gap_starts_at_the_change(kb):
    # London skips 01:00-02:00 on 2025-03-30; waking at 01:30 starts at the change (02:00 BST).
    onset = local(LONDON, 2025, 3, 29, 12, 0)
    plan = make_plan(kb, onset=onset, now=onset, tz="Europe/London", wake=time(1, 30))
    first = next(s for s in plan.sessions if s.start.date() == date(2025, 3, 30))
    assert first.start.isoformat() == "2025-03-30T02:00:00+01:00"


@pytest.mark.parametrize(
    ("zone", "day", "wake"),
    [(LONDON, date(2025, 10, 26), time(1, 15)), (NEW_YORK, date(2025, 11, 2), time(1, 15))],
    ids=["london", "new-york"],
)
def test_fall_back_wake_in_the_repeated_hour_uses_its_second_occurrence(kb, zone, day, wake):
    onset = datetime.combine(day - timedelta(days=1), time(12, 0), tzinfo=zone)
    plan = make_plan(kb, onset=onset, now=onset, tz=zone.key, wake=wake)
    _assert_elapsed(plan)
    first = next(s for s in plan.sessions if s.start.date() == day)
    assert hhmm(first.start) == "01:15"
    assert first.start.fold == 1  # after the clocks went back: wall time never drops below wake
    assert first.start.utcoffset() == datetime.combine(day, time(12), tzinfo=zone).utcoffset()


def test_fall_back_day_has_one_more_hour_of_ice(kb):
    # Waking 00:00-23:59: a 25-hour day fits more 110-minute cycles than a 24-hour one.
    zone = LONDON
    onset = local(zone, 2025, 10, 25, 0, 0)
    plan = make_plan(
        kb, onset=onset, now=onset, tz="Europe/London", wake=time(0, 0), sleep=time(23, 59)
    )
    _assert_elapsed(plan)
    days = {}
    for s in of(plan, "ice"):
        days.setdefault(s.start.date(), []).append(s)
    assert len(days[date(2025, 10, 26)]) >= len(days[date(2025, 10, 25)])
    for day in days.values():
        for a, b in zip(day, day[1:], strict=False):
            assert utc(b.start) - utc(a.start) == timedelta(minutes=110)


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": ""}, "tz"),
        ({"tz": "../etc/passwd"}, "tz"),
        ({"onset": datetime(2025, 6, 2, 9, 0)}, "onset"),
        ({"now": datetime(2025, 6, 2, 9, 0)}, "now"),
        ({"onset": datetime(2025, 6, 3, 9, 0, tzinfo=UTC)}, "onset"),
        ({"wake": time(9, 0), "sleep": time(9, 0)}, "sleep"),
        ({"days": 0}, "days"),
        ({"days": 29}, "days"),
        ({"days": True}, "days"),
        ({"days": 2.5}, "days"),
        (
            {"onset": datetime(9999, 12, 1, tzinfo=UTC), "now": datetime(9999, 12, 30, tzinfo=UTC)},
            "onset",
        ),
        ({"onset": datetime(1, 1, 1, tzinfo=UTC)}, "onset"),
    ],
)
def test_bad_input_names_the_field(kb, kwargs, field):
    args = {
        "onset": datetime(2025, 6, 2, 9, 0, tzinfo=UTC),
        "now": datetime(2025, 6, 2, 10, 0, tzinfo=UTC),
        "tz": "UTC",
    } | kwargs
    with pytest.raises(PlanError) as err:
        make_plan(kb, **args)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: expected ")


def test_offsets_other_than_utc_are_accepted(kb):
    onset = datetime(2025, 6, 2, 9, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    plan = make_plan(kb, onset=onset, now=onset, tz="Asia/Kolkata")
    assert plan.sessions[0].start.isoformat() == "2025-06-02T09:00:00+05:30"


# --- timer stages -----------------------------------------------------------------------


def test_timer_stages_come_from_the_knowledge(kb):
    (ice,) = timer_stages(kb, "ice")
    assert ice.seconds == 20 * 60
    assert ice.prompt == session_kind(kb, "ice")["start_text"]
    stages = timer_stages(kb, "contrast_shower")
    assert [s.name for s in stages] == ["hot", "cold"] * 5
    assert sum(s.seconds for s in stages) == 15 * 60
    assert len(timer_stages(kb, "contrast_shower", rounds=2)) == 4
    assert timer_stages(kb, "heat", minutes=0.5)[0].seconds == 30


@pytest.mark.parametrize(
    ("kind", "kwargs", "field"),
    [
        ("ice", {"minutes": 21}, "minutes"),  # never more than 20 minutes of ice
        ("heat", {"minutes": 31}, "minutes"),
        ("heat", {"minutes": 0}, "minutes"),
        ("ice", {"minutes": float("nan")}, "minutes"),
        ("contrast_shower", {"rounds": 0}, "rounds"),
        ("contrast_shower", {"rounds": 11}, "rounds"),
        ("contrast_shower", {"minutes": 5}, "minutes"),
        ("check_in", {}, "kind"),
    ],
)
def test_timer_limits(kb, kind, kwargs, field):
    with pytest.raises(PlanError) as err:
        timer_stages(kb, kind, **kwargs)
    assert err.value.field == field


# --- knowledge --------------------------------------------------------------------------


def test_every_step_kind_phase_and_setting_has_sources(kb):
    plan = kb["plan"]
    for item in [*plan["steps"], *plan["session_kinds"], *plan["phases"]]:
        assert item["sources"], item
        for e in item.get("evidence", []):
            assert e["sources"]
    for name, setting in plan["settings"].items():
        assert setting["sources"] and setting["origin"] in ("source", "ours"), name
    for section in kb["education"]["sections"]:
        assert section["sources"]
        for stretch in section.get("stretches", []):
            assert stretch["sources"] and stretch["how"] and stretch["stop_if"]


def test_our_defaults_are_marked_as_ours(kb):
    s = kb["plan"]["settings"]
    for name in ("wake", "sleep", "horizon_days"):
        assert s[name]["origin"] == "ours"
    heat = session_kind(kb, "heat")["timing"]
    assert heat["per_day"]["origin"] == "ours" and heat["per_day"]["value"] == 4
    assert session_kind(kb, "ice")["timing"]["minutes"]["origin"] == "source"


def test_clinical_protocol_steps_are_all_present(kb):
    ids = {s["id"] for s in kb["plan"]["steps"]}
    assert {
        "stop-and-lie-down",
        "do-not-push-on",
        "short-rest-only",
        "resting-positions",
        "pain-relief",
        "ice",
        "heat",
        "contrast-shower",
        "finger-pressure",
        "fluids",
        "gentle-stretching",
        "physical-therapy",
    } <= ids
    edu = {s["id"] for s in kb["education"]["sections"]}
    assert {
        "what-is-a-spasm",
        "causes",
        "symptoms",
        "resting-positions",
        "finger-pressure",
        "stretches",
    } <= edu


def _broken_copy(tmp_path: Path, stem: str, old: str, new: str) -> Path:
    d = tmp_path / "kn"
    shutil.copytree(KNOWLEDGE_DIR, d, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    p = d / f"{stem}.yaml"
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    return d


@pytest.mark.parametrize(
    ("stem", "old", "new", "message"),
    [
        (
            "plan",
            '    timing: "In the first days"',
            '    timing: "In the first days"\n    colour: red',
            "unknown field 'colour'",
        ),
        (
            "plan",
            "    only_if: {flag: pregnant}",
            "    only_if: {flag: pregnnt}",
            "unknown answer field 'pregnnt'",
        ),
        (
            "plan",
            "    only_if: {flag: pregnant}",
            "    only_if: {flag: chest_pain}",
            "'chest_pain' is not a person field",
        ),
        (
            "education",
            "avoid_if: {flag: osteoporosis_or_steroids}\n        how:\n          - \"Get onto",
            "how:\n          - \"Get onto",
            "a bending-forward stretch needs an avoid_if",
        ),
        (
            "education",
            "position: hands_and_knees",
            "position: on_back",
            "needs the pregnancy dizziness note",
        ),
        ("plan", '"Ice: {ice_minutes} minutes on', '"Ice: 20 minutes on', "repeats a setting"),
        ("plan", '"Ice: {ice_minutes} minutes on', '"Ice: {ice_minute} minutes on',
         "unknown placeholder {ice_minute}"),
        ("rules", "you are {older_age} or over.", "you are 50 or over.", "repeats a threshold"),
        (
            "plan",
            "sources: [S-HOME]\n  - id: do-not-push-on",
            "sources: [S-NOPE]\n  - id: do-not-push-on",
            "unknown source id 'S-NOPE'",
        ),
        ("plan", 'value: "22:00"', 'value: "06:00"', "settings.sleep"),
        ("plan", "  - kind: check_in", "  - kind: heat", "duplicate kind 'heat'"),
        ("plan", "value: 72\n", "value: 48\n", "disagrees with thresholds.yaml"),
        (
            "plan",
            '{value: 5, origin: ours, sources: [BACKSPASM-TEAM], note: "The source says',
            '{value: 4, origin: ours, sources: [BACKSPASM-TEAM], note: "The source says',
            "rounds x (hot_seconds + cold_seconds)",
        ),
        ("education", "  - id: causes", "  - id: symptoms", "duplicate id 'symptoms'"),
    ],
)
def test_broken_plan_knowledge_fails_at_load_naming_the_item(tmp_path, stem, old, new, message):
    d = _broken_copy(tmp_path, stem, old, new)
    with pytest.raises(KnowledgeError) as err:
        _load_from(d)
    assert message in str(err.value)


def test_heat_starts_stay_2_hours_apart_across_midnight(kb):
    onset = datetime(2025, 6, 2, 19, 0, tzinfo=UTC)
    now = datetime(2025, 6, 6, 23, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=onset, now=now, tz="UTC", wake=time(0, 0), sleep=time(23, 59))
    starts = [s.start for s in of(plan, "heat")]
    assert {s.date() for s in starts} >= {date(2025, 6, 6), date(2025, 6, 7)}
    for a, b in zip(starts, starts[1:], strict=False):
        assert b - a >= timedelta(hours=2)


# --- what is kept between calls (per loaded knowledge) -------------------------------------

def _fresh(kb):
    """The same knowledge with nothing kept yet (no compiled forms, no kept plans)."""
    from backspasm.knowledge import Knowledge

    return Knowledge(version=kb.version, data=kb.data, directory=kb.directory)


@pytest.mark.parametrize("tz", ["Europe/London", "America/New_York", "Asia/Kolkata"])
def test_kept_plans_are_the_plans_worked_out_afresh(kb, tz):
    """Sessions and steps are kept per (onset, start minute, zone, waking hours, horizon)
    and per (phase, easing, person, region): whatever was asked before, each answer is the
    one a fresh knowledge load works out."""
    warm = _fresh(kb)
    onset = datetime(2026, 3, 27, 6, 40, 12, tzinfo=UTC)
    asks = [dict(now=onset + timedelta(hours=h, minutes=m, seconds=s), tz=tz, wake=w,
                 sleep=time(22), days=d, easing=e, person=p, region=r)
            for h in (0, 30, 71, 73, 150) for m, s in ((0, 5), (0, 50), (1, 0), (7, 31))
            for w in (time(7), time(6, 30)) for d in (7, 3)
            for e in (None, True) for r in (None, "US")
            for p in (None, {"pregnant": True, "age": 30}, {"age": 14})]
    for ask in asks * 2:  # the second round is served from what the first kept
        assert make_plan(warm, onset=onset, **ask) == make_plan(_fresh(kb), onset=onset, **ask)


def test_a_callers_changes_to_a_plan_do_not_reach_the_next_plan(kb):
    warm = _fresh(kb)
    ask = dict(onset=datetime(2026, 3, 27, 6, 40, tzinfo=UTC),
               now=datetime(2026, 3, 28, 9, 0, tzinfo=UTC), tz="Europe/London")
    first = make_plan(warm, **ask)
    before = make_plan(_fresh(kb), **ask)
    first.steps[0]["text"] = "changed"
    first.steps[0]["sources"].append("X")
    next(st for st in first.steps if st.get("evidence"))["evidence"][0]["text"] = "changed"
    first.sessions.clear()
    assert make_plan(warm, **ask) == before
    assert steps_for_phase(warm, "acute") == steps_for_phase(_fresh(kb), "acute")


def test_the_kept_schedules_stay_bounded_however_much_care_is_logged(kb):
    """Memory levels off under load: the scheduler keeps at most ``KEPT_SCHEDULES``
    results and none whose key holds more than ``KEPT_LOGGED_MAX`` logged sessions (a soak
    logging hundreds of ice packs grew the server by tens of MB); such a plan is the one a
    fresh load works out."""
    from backspasm.core import plan as plan_mod

    warm = _fresh(kb)
    onset = datetime(2026, 3, 27, 6, 40, tzinfo=UTC)
    many = [("ice", onset + timedelta(minutes=3 * i), None)
            for i in range(plan_mod.KEPT_LOGGED_MAX + 40)]
    now = onset + timedelta(hours=60)
    ask = dict(onset=onset, now=now, tz="Europe/London", done=many)
    assert make_plan(warm, **ask) == make_plan(_fresh(kb), **ask)
    kept = plan_mod._scheduler(warm).kept  # type: ignore[attr-defined]
    assert kept.cache_info().currsize == 0
    for n in range(plan_mod.KEPT_SCHEDULES + 30):
        make_plan(warm, onset=onset, now=now, tz="Europe/London", done=many[: n % 50])
        make_plan(warm, onset=onset - timedelta(minutes=n), now=now, tz="Europe/London")
    assert kept.cache_info().currsize == plan_mod.KEPT_SCHEDULES
    assert kept.cache_info().hits > 0
