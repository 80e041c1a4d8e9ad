"""Properties every care plan keeps, for random onsets, nows, zones (DST days too), hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backspasm.core.plan import make_plan, session_kind
from backspasm.knowledge import load_knowledge

KB = load_knowledge()
ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Havana",  # clocks change at midnight
    "America/Santiago",  # changes at midnight, southern hemisphere
    "Pacific/Chatham",  # +12:45 / +13:45
    "Asia/Kolkata",  # +05:30, no DST
]
LENGTHS = {
    k: timedelta(minutes=session_kind(KB, k)["timing"]["minutes"]["value"])
    for k in ("ice", "heat", "contrast_shower", "check_in")
}
HEAT = session_kind(KB, "heat")["timing"]
CONTRAST = session_kind(KB, "contrast_shower")["timing"]
ACUTE = timedelta(hours=KB["plan"]["settings"]["acute_hours"]["value"])


def _transitions(zone: str) -> list[datetime]:
    """UTC instants (to the hour) at which the zone's offset changes, 2024-2026."""
    z = ZoneInfo(zone)
    out = []
    t = datetime(2024, 1, 1, tzinfo=UTC)
    prev = t.astimezone(z).utcoffset()
    while t < datetime(2027, 1, 1, tzinfo=UTC):
        t += timedelta(hours=1)
        off = t.astimezone(z).utcoffset()
        if off != prev:
            out.append(t)
            prev = off
    return out


TRANSITIONS = {z: _transitions(z) for z in ZONES}


@st.composite
def cases(draw):
    zone = draw(st.sampled_from(ZONES))
    near = TRANSITIONS[zone]
    if near and draw(st.booleans()):
        # put a clock change inside the plan's horizon
        onset = draw(st.sampled_from(near)) - timedelta(minutes=draw(st.integers(0, 8 * 24 * 60)))
    else:
        onset = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(
            minutes=draw(st.integers(0, 3 * 365 * 24 * 60))
        )
    onset += timedelta(seconds=draw(st.integers(0, 59)))
    days = draw(st.integers(1, 10))
    now = onset + timedelta(seconds=draw(st.integers(0, (days * 24 + 12) * 3600)))
    wake_min = draw(st.integers(0, 23 * 60))
    sleep_min = draw(st.integers(wake_min + 1, 23 * 60 + 59))
    wake = time(wake_min // 60, wake_min % 60)
    sleep = time(sleep_min // 60, sleep_min % 60)
    easing = draw(st.sampled_from([None, True, False]))
    return zone, onset, now, wake, sleep, days, easing


def _in_waking_hours(instant: datetime, zone: ZoneInfo, day: date, wake: time, sleep: time):
    wall = instant.astimezone(zone)
    return wall.date() == day and wake <= wall.time().replace(tzinfo=None) < sleep


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_plan_keeps_every_rule(case):
    zone_name, onset, now, wake, sleep, days, easing = case
    zone = ZoneInfo(zone_name)
    plan = make_plan(
        KB, onset=onset, now=now, tz=zone_name, wake=wake, sleep=sleep, days=days, easing=easing
    )
    horizon = onset + timedelta(days=days)
    recovery = onset + ACUTE
    assert plan.phase == ("acute" if now < recovery else "recovery")
    sessions = plan.sessions
    spans = [(s.start.astimezone(UTC), s.end.astimezone(UTC)) for s in sessions]
    # sorted, and none overlapping another
    assert spans == sorted(spans)
    for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False):
        assert a_end <= b_start
    per_day: dict[tuple[str, date], list[datetime]] = {}
    for s, (start, end) in zip(sessions, spans, strict=True):
        assert s.start.tzinfo == zone
        assert end - start == LENGTHS[s.kind]  # exact, in real elapsed time
        assert start >= now and end <= horizon
        assert start.second == 0 and start.microsecond == 0
        # wholly inside the waking hours of one local day, minute by minute
        day = s.start.date()
        probe = start
        while probe < end:
            assert _in_waking_hours(probe, zone, day, wake, sleep), (s, probe)
            probe += timedelta(minutes=1)
        assert _in_waking_hours(end - timedelta(seconds=1), zone, day, wake, sleep)
        if s.kind == "ice":
            assert end <= recovery
        else:
            assert start >= recovery
        per_day.setdefault((s.kind, day), []).append(start)
        # RFC 3339 round trip
        d = s.to_dict()
        assert datetime.fromisoformat(d["start"]) == start
        assert datetime.fromisoformat(d["end"]) == end
    heat_starts = sorted(t for (k, _), v in per_day.items() if k == "heat" for t in v)
    for a, b in zip(heat_starts, heat_starts[1:], strict=False):
        assert b - a >= timedelta(minutes=HEAT["min_start_gap_minutes"]["value"])
    for (kind, _), starts in per_day.items():
        if kind == "heat":
            assert len(starts) <= HEAT["per_day"]["value"]
        if kind == "contrast_shower":
            assert len(starts) <= CONTRAST["per_day"]["value"]
    assert sum(1 for s in sessions if s.kind == "check_in") <= 1
    # ice on one day comes every 20 + 90 minutes, greedily
    for (kind, _), starts in per_day.items():
        if kind == "ice":
            for a, b in zip(starts, starts[1:], strict=False):
                assert b - a == timedelta(minutes=110)
    # stretching only when easing, and never before 72 hours
    ids = [step["id"] for step in plan.steps]
    assert ("gentle-stretching" in ids) == (plan.phase == "recovery" and easing is True)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_a_full_waking_day_in_the_acute_phase_gets_ice(case):
    zone_name, onset, _, _, _, _, _ = case
    # With default hours and a plan made at onset, the next day is wholly acute or has ice.
    plan = make_plan(KB, onset=onset, now=onset, tz=zone_name, days=3)
    ice = [s for s in plan.sessions if s.kind == "ice"]
    assert ice, "the first 72 hours always contain waking hours with room for ice"
    assert all(s.end.astimezone(UTC) <= onset + ACUTE for s in ice)
