"""Properties every care plan keeps, for random onsets, nows, zones (DST days too), hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backspasm.core.plan import make_plan, session_kind
from backspasm.core.windows import ceil_minute
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
    wake_min = draw(st.integers(0, 23 * 60 + 59))
    if draw(st.booleans()):  # awake across midnight (a night shift) too
        sleep_min = draw(st.integers(0, 23 * 60 + 59).filter(lambda m: m != wake_min))
    else:
        sleep_min = draw(st.integers(min(wake_min + 1, 23 * 60 + 59), 23 * 60 + 59))
        wake_min = min(wake_min, sleep_min - 1)
    wake = time(wake_min // 60, wake_min % 60)
    sleep = time(sleep_min // 60, sleep_min % 60)
    easing = draw(st.sampled_from([None, True, False]))
    return zone, onset, now, wake, sleep, days, easing


@st.composite
def diaries(draw, onset: datetime, days: int):
    """Care logged in the diary: (kind, start, end) after the onset, in time order."""
    out = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["ice", "heat", "contrast", "stretch", "medicine"]))
        start = onset + timedelta(minutes=draw(st.integers(0, days * 24 * 60)))
        minutes = draw(st.integers(1, 30))
        out.append((kind, start, start + timedelta(minutes=minutes)))
    return sorted(out, key=lambda c: c[1])


def _awake(instant: datetime, zone: ZoneInfo, wake: time, sleep: time) -> bool:
    t = instant.astimezone(zone).time().replace(tzinfo=None)
    return wake <= t < sleep if wake < sleep else (t >= wake or t < sleep)


def _window_day(instant: datetime, zone: ZoneInfo, wake: time) -> date:
    """The local date the waking window holding ``instant`` began on."""
    wall = instant.astimezone(zone)
    return wall.date() if wall.time().replace(tzinfo=None) >= wake else (
        wall.date() - timedelta(days=1))


def _times(plan):
    return [(s.kind, s.start, s.end, s.done_start, s.planned) for s in plan.sessions]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_plan_keeps_every_rule(data):
    zone_name, onset, now, wake, sleep, days, easing = data.draw(cases())
    diary = data.draw(diaries(onset, days))
    zone = ZoneInfo(zone_name)
    plan = make_plan(KB, onset=onset, now=now, tz=zone_name, wake=wake, sleep=sleep,
                     days=days, easing=easing, done=diary)
    horizon = onset + timedelta(days=days)
    recovery = onset + ACUTE
    assert plan.phase == ("acute" if now < recovery else "recovery")
    # in the order shown (a done session at its real time), then the planned times
    shown = [s.shown_start.astimezone(UTC) for s in plan.sessions]
    assert shown == sorted(shown)
    planned = sorted((s for s in plan.sessions if s.planned), key=lambda s: s.start)
    spans = [(s.start.astimezone(UTC), s.end.astimezone(UTC)) for s in planned]
    # none overlapping another
    for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False):
        assert a_end <= b_start
    per_window: dict[tuple[str, date], list[datetime]] = {}
    for s, (start, end) in zip(planned, spans, strict=True):
        assert s.start.tzinfo == zone
        assert end - start == LENGTHS[s.kind]  # exact, in real elapsed time
        assert start >= onset and end <= horizon
        assert start.second == 0 and start.microsecond == 0
        # wholly inside one waking window, minute by minute
        day = _window_day(start, zone, wake)
        probe = start
        while probe < end:
            assert _awake(probe, zone, wake, sleep), (s, probe)
            assert _window_day(probe, zone, wake) == day, (s, probe)
            probe += timedelta(minutes=1)
        if s.kind == "ice":
            assert end <= recovery
        else:
            assert start >= recovery
        per_window.setdefault((s.kind, day), []).append(start)
        # RFC 3339 round trip
        d = s.to_dict()
        assert datetime.fromisoformat(d["start"]) == start
        assert datetime.fromisoformat(d["end"]) == end
    heat_starts = [t for s, (t, _) in zip(planned, spans, strict=True) if s.kind == "heat"]
    for a, b in zip(heat_starts, heat_starts[1:], strict=False):
        assert b - a >= timedelta(minutes=HEAT["min_start_gap_minutes"]["value"])
    for (kind, _), starts in per_window.items():
        if kind == "heat":
            assert len(starts) <= HEAT["per_day"]["value"]
        if kind == "contrast_shower":
            assert len(starts) <= CONTRAST["per_day"]["value"]
    assert sum(1 for s in planned if s.kind == "check_in") <= 1
    # after a logged session, the next of its kind waits for its rest interval
    care_of = {"ice": "ice", "heat": "heat", "contrast": "contrast_shower"}
    for kind, g_start, g_end in diary:
        if kind not in care_of:
            continue
        after = [t for s, (t, _) in zip(planned, spans, strict=True)
                 if s.kind == care_of[kind] and t >= g_start]
        if after and kind == "ice":
            assert after[0] >= g_end + timedelta(minutes=90)
        if after and kind == "heat":
            assert after[0] >= max(g_end, g_start + timedelta(hours=2))
    # each logged session is shown once, matched to at most one planned session
    care = sorted(c[1] for c in diary if c[0] in care_of)
    shown = sorted(s.done_start.astimezone(UTC) for s in plan.sessions if s.status == "done")
    assert [t for t in care if t < horizon] == [t for t in shown if t < horizon]
    assert all(t in care for t in shown)
    # at most one session of each kind is due
    due = [s.kind for s in plan.sessions if s.status == "due"]
    assert len(due) == len(set(due))
    for s in plan.sessions:
        assert (s.status == "upcoming") == (s.planned and s.status != "done" and now < s.start)
    # stretching only when easing, and never before 72 hours
    ids = [step["id"] for step in plan.steps]
    assert ("gentle-stretching" in ids) == (plan.phase == "recovery" and easing is True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_times_never_depend_on_now(data):
    """The plan asked for at two different moments lists the same sessions at the same
    times; only the statuses differ."""
    zone_name, onset, now, wake, sleep, days, _ = data.draw(cases())
    diary = data.draw(diaries(onset, days))
    other = onset + timedelta(seconds=data.draw(st.integers(0, (days * 24 + 12) * 3600)))
    ask = dict(onset=onset, tz=zone_name, wake=wake, sleep=sleep, days=days, done=diary)
    assert _times(make_plan(KB, now=now, **ask)) == _times(make_plan(KB, now=other, **ask))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_logging_a_session_never_moves_an_earlier_one(data):
    zone_name, onset, now, wake, sleep, days, _ = data.draw(cases())
    diary = data.draw(diaries(onset, days))
    last = diary[-1][1] if diary else onset
    at = last + timedelta(minutes=data.draw(st.integers(0, days * 24 * 60)))
    kind = data.draw(st.sampled_from(["ice", "heat", "contrast"]))
    new = (kind, at, at + timedelta(minutes=data.draw(st.integers(1, 30))))
    ask = dict(onset=onset, now=max(now, at), tz=zone_name, wake=wake, sleep=sleep, days=days)
    before = make_plan(KB, done=diary, **ask)
    after = make_plan(KB, done=[*diary, new], **ask)

    def earlier(plan):
        return sorted((s.start, s.kind, s.end) for s in plan.sessions
                      if s.planned and s.start < at)

    assert earlier(after) == earlier(before)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_logged_ice_puts_the_next_ice_20_plus_90_minutes_later(data):
    zone_name, onset, _, wake, sleep, days, _ = data.draw(cases())
    at = onset + timedelta(minutes=data.draw(st.integers(0, 72 * 60)))
    zone = ZoneInfo(zone_name)
    ice = [("ice", at, None)]  # the planned 20 minutes
    plan = make_plan(KB, onset=onset, now=at, tz=zone_name, wake=wake, sleep=sleep,
                     days=max(days, 3), done=ice)
    nxt = ceil_minute(at + timedelta(minutes=20 + 90))
    fits = nxt + timedelta(minutes=20) <= onset + ACUTE and all(
        _awake(nxt + timedelta(minutes=m), zone, wake, sleep)
        and _window_day(nxt + timedelta(minutes=m), zone, wake) == _window_day(nxt, zone, wake)
        for m in range(20)) and _awake(at, zone, wake, sleep) and _window_day(
        at, zone, wake) == _window_day(nxt, zone, wake)
    later = [s.start for s in plan.sessions if s.kind == "ice" and s.planned and s.start >= at]
    if fits:
        assert later and later[0] == nxt.astimezone(zone)
    else:
        assert not later or later[0] >= nxt


@settings(max_examples=100, deadline=None)
@given(cases())
def test_a_full_waking_day_in_the_acute_phase_gets_ice(case):
    zone_name, onset, _, _, _, _, _ = case
    # With default hours and a plan made at onset, the next day is wholly acute or has ice.
    plan = make_plan(KB, onset=onset, now=onset, tz=zone_name, days=3)
    ice = [s for s in plan.sessions if s.kind == "ice"]
    assert ice, "the first 72 hours always contain waking hours with room for ice"
    assert all(s.end.astimezone(UTC) <= onset + ACUTE for s in ice)
