"""The scheduling rule version 2: a plan that follows the diary (issue 13)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from backspasm.core.plan import PlanError, make_plan
from backspasm.core.windows import waking_problem, waking_windows
from backspasm.knowledge import load_knowledge

KB = load_knowledge()
ONSET = datetime(2025, 6, 2, 6, 30, tzinfo=UTC)  # before wake (07:00 UTC)


def hhmm(t: datetime) -> str:
    return t.strftime("%H:%M")


def ice(plan):
    return [s for s in plan.sessions if s.kind == "ice"]


def test_at_seven_the_ice_is_due_since_seven_and_stays_put_minute_by_minute():
    """The bug of issue 13: the first session slid forward a minute each minute."""
    for minute in range(0, 25, 3):
        now = datetime(2025, 6, 2, 7, minute, tzinfo=UTC)
        first = ice(make_plan(KB, onset=ONSET, now=now, tz="UTC"))[0]
        assert hhmm(first.start) == "07:00"
        assert first.status == "due"


def test_a_logged_ice_moves_the_next_one_and_marks_one_planned_session_done():
    now = datetime(2025, 6, 2, 9, 40, tzinfo=UTC)
    plain = ice(make_plan(KB, onset=ONSET, now=now, tz="UTC"))
    assert [hhmm(s.start) for s in plain[:3]] == ["07:00", "08:50", "10:40"]
    done = [("ice", datetime(2025, 6, 2, 9, 15, tzinfo=UTC), None)]
    after = ice(make_plan(KB, onset=ONSET, now=now, tz="UTC", done=done))
    assert [(hhmm(s.start), s.status) for s in after[:3]] == [
        ("07:00", "missed"), ("08:50", "done"), ("11:05", "upcoming")]
    assert hhmm(after[1].shown_start) == "09:15"  # shown at its real time
    assert after[1].to_dict()["done_start"] == "2025-06-02T09:15:00+00:00"


def test_one_logged_session_matches_at_most_one_planned_session():
    now = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    done = [("ice", datetime(2025, 6, 2, 11, 0, tzinfo=UTC), None)]
    plan = make_plan(KB, onset=ONSET, now=now, tz="UTC", done=done)
    assert sum(1 for s in plan.sessions if s.status == "done") == 1


def test_a_session_logged_while_asleep_matches_nothing_but_is_shown_and_reanchors():
    done = [("ice", datetime(2025, 6, 2, 23, 0, tzinfo=UTC), None)]
    plan = make_plan(KB, onset=ONSET, now=datetime(2025, 6, 3, 7, 5, tzinfo=UTC), tz="UTC",
                     done=done)
    extra = [s for s in plan.sessions if not s.planned]
    assert len(extra) == 1 and extra[0].status == "done" and extra[0].kind == "ice"
    assert not any(s.status == "done" and s.planned for s in plan.sessions)


def test_due_becomes_missed_when_the_next_one_starts_and_upcoming_before_it_starts():
    def status_at(h, m):
        plan = make_plan(KB, onset=ONSET, now=datetime(2025, 6, 2, h, m, tzinfo=UTC), tz="UTC")
        return [s.status for s in ice(plan)[:2]]

    assert status_at(6, 59) == ["upcoming", "upcoming"]
    assert status_at(8, 49) == ["due", "upcoming"]
    assert status_at(8, 50) == ["missed", "due"]


def test_care_kinds_of_the_diary_count_and_others_are_ignored():
    at = datetime(2025, 6, 5, 9, 0, tzinfo=UTC)
    done = [("contrast", at, at + timedelta(minutes=15)), ("medicine", at, None),
            ("stretch", at, None)]
    plan = make_plan(KB, onset=ONSET, now=at + timedelta(hours=1), tz="UTC", done=done)
    shower = [s for s in plan.sessions if s.kind == "contrast_shower" and s.status == "done"]
    assert len(shower) == 1


@pytest.mark.parametrize("bad", [[("ice", datetime(2025, 6, 2, 9, 0), None)],
                                 [("ice", ONSET, ONSET - timedelta(minutes=1))], ["ice"], 5])
def test_bad_care_names_the_field(bad):
    with pytest.raises(PlanError) as err:
        make_plan(KB, onset=ONSET, now=ONSET, tz="UTC", done=bad)
    assert err.value.field.startswith("done")


def test_awake_across_midnight_plans_the_night():
    plan = make_plan(KB, onset=ONSET, now=ONSET, tz="UTC", wake=time(23), sleep=time(7))
    first = ice(plan)[:3]
    # the onset (06:30) is inside the night that began at 23:00: ice until 07:00
    assert [hhmm(s.start) for s in first] == ["06:30", "23:00", "00:50"]
    for s in plan.sessions:
        t = s.start.time()
        assert t >= time(23) or s.end.time() <= time(7)


def test_night_windows_are_right_across_the_clocks_going_forward():
    zone = ZoneInfo("Europe/London")  # 2025-03-30 01:00 UTC: 01:00 -> 02:00 local
    start = datetime(2025, 3, 29, 12, tzinfo=UTC)
    wins = waking_windows(zone, time(23), time(7), start, start + timedelta(days=2))
    first = wins[0]
    assert first[0] == datetime(2025, 3, 29, 23, 0, tzinfo=UTC)  # 23:00 GMT
    assert first[1] == datetime(2025, 3, 30, 6, 0, tzinfo=UTC)  # 07:00 BST
    assert first[1] - first[0] == timedelta(hours=7)  # one hour short that night
    assert wins[1][0].astimezone(zone).date() == date(2025, 3, 30)


def test_equal_waking_and_sleeping_times_are_refused():
    assert waking_problem(time(7), time(7)) is not None
    assert waking_problem(time(23), time(7)) is None
    with pytest.raises(PlanError) as err:
        make_plan(KB, onset=ONSET, now=ONSET, tz="UTC", wake=time(7), sleep=time(7))
    assert err.value.field == "sleep"


def test_status_next_session_follows_the_care_logged(tmp_path):
    """`backspasm status` and GET /api/v1/status read the plan the diary makes."""
    from backspasm.status import status_report
    from backspasm.store import open_store

    now = datetime(2025, 6, 2, 9, 40, tzinfo=UTC)
    with open_store(f"sqlite:///{tmp_path / 'd.db'}", clock=lambda: now) as store:
        p = store.ensure_profile("local")
        store.update_profile(p.id, tz="UTC")
        store.start_episode(p.id, onset=ONSET)
        before = status_report(store, store.get_profile(p.id), KB, now)["next_session"]
        store.log_care(p.id, kind="ice", start=datetime(2025, 6, 2, 9, 15, tzinfo=UTC),
                       minutes=20)
        after = status_report(store, store.get_profile(p.id), KB, now)["next_session"]
    assert (before["start"][11:16], before["status"]) == ("08:50", "due")
    assert (after["start"][11:16], after["status"]) == ("11:05", "upcoming")


def test_an_ice_logged_inside_a_longer_one_never_brings_the_next_closer():
    """Found by test_plan_properties: two overlapping entries (09:15-09:40 and 09:20-09:25);
    the next ice waits 90 minutes after the end of the longer one, not the later-started."""
    now = datetime(2025, 6, 2, 9, 45, tzinfo=UTC)
    at = datetime(2025, 6, 2, 9, 15, tzinfo=UTC)
    done = [("ice", at, at + timedelta(minutes=25)),
            ("ice", at + timedelta(minutes=5), at + timedelta(minutes=10))]
    after = [s for s in ice(make_plan(KB, onset=ONSET, now=now, tz="UTC", done=done))
             if s.planned and s.start > at]
    assert after[0].start >= at + timedelta(minutes=25 + 90)


@pytest.mark.parametrize("ahead", [False, True])
def test_the_pain_now_is_the_latest_entry_before_now_whatever_lies_after(tmp_path, ahead):
    """A score dated after the moment asked for (a clock set back, an entry dated ahead)
    never hides the latest score before it, on the web's store and the terminal's."""
    from backspasm.status import status_report
    from backspasm.store import open_store
    from backspasm.store.lite import open_lite

    now = datetime(2025, 6, 10, 9, 0, tzinfo=UTC)
    db = tmp_path / "d.db"
    with open_store(f"sqlite:///{db}", clock=lambda: now + timedelta(days=30)) as store:
        p = store.ensure_profile("local")
        store.update_profile(p.id, tz="UTC")
        store.start_episode(p.id, onset=now - timedelta(days=8))
        store.log_pain(p.id, score=7, at=now - timedelta(days=5))  # before the look-back
        if ahead:
            store.log_pain(p.id, score=2, at=now + timedelta(hours=1))
        heavy = status_report(store, store.get_profile(p.id), KB, now)
    with open_lite(f"sqlite:///{db}") as light:
        lite = status_report(light, light.profile_by_key("local"), KB, now)
    assert heavy["pain"]["latest"] == lite["pain"]["latest"] == 7
