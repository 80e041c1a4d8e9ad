"""Calendar export: parsed back with icalendar and, independently, with vobject."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from backspasm.exports import ExportError, resolve_tz
from backspasm.exports.ics import build_ics
from backspasm.knowledge import load_knowledge

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Session:
    kind: str
    start: datetime
    end: datetime


def _day_sessions(
    day: datetime, kinds: tuple[str, ...] = ("ice", "ice", "check_in")
) -> list[Session]:
    """Sessions at 09:00, 11:00, 13:00 local wall time on ``day``."""
    out = []
    for i, kind in enumerate(kinds):
        start = day.replace(hour=9 + 2 * i, minute=0)
        out.append(Session(kind, start, start + timedelta(minutes=20)))
    return out


def read_vobject(data: bytes):
    """Parse with vobject as a fresh calendar app would. vobject keeps the first VTIMEZONE it
    sees for a TZID for the whole process; forget ours so each file is read on its own."""
    for tzid in {str(t["TZID"]) for t in icalendar.Calendar.from_ical(data).walk("VTIMEZONE")}:
        vobject.icalendar.registerTzid(tzid, None)
    return vobject.readOne(data.decode("utf-8"))


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def _across_dst(tz: ZoneInfo, before: datetime) -> list[Session]:
    """Three days of sessions around a daylight-saving change."""
    out: list[Session] = []
    for d in range(3):
        out += _day_sessions((before + timedelta(days=d)).replace(tzinfo=tz))
    return out


NOW = datetime(2026, 10, 23, 20, 0, tzinfo=UTC)


def test_every_session_is_an_event_with_uid_stamp_and_alarms(kb):
    sessions = _across_dst(LONDON, datetime(2026, 10, 24))
    data = build_ics(sessions, episode_uid="ep-7", tz=LONDON, kb=kb, now=NOW)
    cal = icalendar.Calendar.from_ical(data)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(sessions)
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    tzids = {tz["TZID"] for tz in cal.walk("VTIMEZONE")}
    assert tzids == {"Europe/London"}
    texts = {k["kind"]: k for k in kb.data["plan"]["session_kinds"]}
    for ev, s in zip(events, sorted(sessions, key=lambda s: s.start), strict=True):
        assert ev["DTSTAMP"].dt == NOW
        assert ev["DTSTART"].params["TZID"] == "Europe/London"
        assert ev["DTSTART"].dt == s.start and ev["DTEND"].dt == s.end
        assert str(ev["SUMMARY"]) == texts[s.kind]["title"]
        assert texts[s.kind]["start_text"] in str(ev["DESCRIPTION"])
        alarms = list(ev.walk("VALARM"))
        assert all(str(a["ACTION"]) == "DISPLAY" for a in alarms)
        related = {
            a["TRIGGER"].params.get("RELATED", "START"): str(a["DESCRIPTION"]) for a in alarms
        }
        assert related["START"] == texts[s.kind]["start_text"]
        if s.kind == "ice":
            assert related["END"] == texts["ice"]["end_text"] and "off now" in related["END"]
            assert all(a["TRIGGER"].dt == timedelta(0) for a in alarms)
        else:
            assert "END" not in related


@pytest.mark.parametrize(
    ("tz", "before", "utc_hours"),
    [
        # London falls back on Sunday 25 October 2026: 09:00 local is 08:00 UTC, then 09:00.
        (LONDON, datetime(2026, 10, 24), [8, 9, 9]),
        # New York springs forward on Sunday 8 March 2026: 09:00 local is 14:00 UTC, then 13:00.
        (NEW_YORK, datetime(2026, 3, 7), [14, 13, 13]),
    ],
)
def test_times_across_a_daylight_saving_change_in_vobject(kb, tz, before, utc_hours):
    sessions = _across_dst(tz, before)
    data = build_ics(sessions, episode_uid="ep-1", tz=tz, kb=kb, now=NOW)
    parsed = read_vobject(data)
    firsts: dict[str, datetime] = {}
    for ev in parsed.vevent_list:
        start = ev.dtstart.value
        assert start.tzinfo is not None
        local = start.strftime("%Y-%m-%d")
        firsts.setdefault(local, start)
        # vobject builds its own tzinfo from our VTIMEZONE: the wall time stays 09:00/11:00/13:00.
        assert start.hour in (9, 11, 13)
        assert ev.dtend.value - start == timedelta(minutes=20)
    assert [d.astimezone(UTC).hour for _, d in sorted(firsts.items())] == utc_hours
    # The same instants through icalendar (which uses the TZID as a zoneinfo key).
    ical_starts = sorted(e["DTSTART"].dt for e in icalendar.Calendar.from_ical(data).walk("VEVENT"))
    assert ical_starts == sorted(s.start for s in sessions)


def test_vobject_sees_both_alarms_of_an_ice_session(kb):
    data = build_ics(
        _day_sessions(datetime(2026, 1, 5, tzinfo=LONDON)),
        episode_uid="e",
        tz=LONDON,
        kb=kb,
        now=NOW,
    )
    ev = read_vobject(data).vevent_list[0]
    triggers = sorted(a.trigger.params.get("RELATED", ["START"])[0] for a in ev.valarm_list)
    assert triggers == ["END", "START"]
    assert any("Take the ice pack off now" in a.description.value for a in ev.valarm_list)


def test_uids_are_stable_per_episode_and_session(kb):
    sessions = _day_sessions(datetime(2026, 1, 5, tzinfo=LONDON))

    def uids(episode: str, now: datetime) -> list[str]:
        cal = icalendar.Calendar.from_ical(
            build_ics(sessions, episode_uid=episode, tz=LONDON, kb=kb, now=now)
        )
        return [str(e["UID"]) for e in cal.walk("VEVENT")]

    a = uids("ep-1", NOW)
    assert a == uids("ep-1", NOW + timedelta(hours=5))
    assert set(a).isdisjoint(uids("ep-2", NOW))


def test_times_are_written_in_the_persons_zone_even_when_given_in_utc(kb):
    start = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    data = build_ics(
        [Session("heat", start, start + timedelta(minutes=20))],
        episode_uid="e",
        tz=LONDON,
        kb=kb,
        now=NOW,
    )
    assert b"DTSTART;TZID=Europe/London:20260701T090000" in data
    assert b"Take the heat off now." in data.replace(b"\r\n ", b"")


def test_unknown_session_kind_is_refused_with_the_field(kb):
    s = Session("sauna", NOW, NOW + timedelta(minutes=10))
    with pytest.raises(ExportError, match="session kind: expected one of"):
        build_ics([s], episode_uid="e", tz=LONDON, kb=kb, now=NOW)


def test_naive_times_are_refused(kb):
    naive = datetime(2026, 1, 5, 9)
    with pytest.raises(ExportError, match="session"):
        build_ics([Session("ice", naive, naive)], episode_uid="e", tz=LONDON, kb=kb, now=NOW)


def test_an_empty_plan_gives_an_empty_but_valid_calendar(kb):
    cal = icalendar.Calendar.from_ical(
        build_ics([], episode_uid="e", tz=LONDON, kb=kb, now=NOW, feed=True)
    )
    assert list(cal.walk("VEVENT")) == []
    assert "REFRESH-INTERVAL" in cal


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd", "/etc/localtime"])
def test_a_time_zone_that_does_not_exist_is_refused(name):
    with pytest.raises(ExportError, match="time zone: expected a time zone name"):
        resolve_tz(name)


_ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
    "Pacific/Chatham",
    "UTC",
]


@settings(max_examples=40, deadline=None)
@given(
    zone=st.sampled_from(_ZONES),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1)),
    minutes=st.integers(min_value=5, max_value=30),
)
def test_vobject_reads_back_the_same_instants_in_any_zone(zone, start, minutes):
    kb = load_knowledge()
    tz = ZoneInfo(zone)
    begin = start.replace(second=0, microsecond=0, tzinfo=UTC).astimezone(tz)
    sessions = [
        Session(
            "heat", begin + timedelta(hours=6 * i), begin + timedelta(hours=6 * i, minutes=minutes)
        )
        for i in range(8)
    ]
    data = build_ics(sessions, episode_uid="p", tz=tz, kb=kb, now=NOW)
    parsed = read_vobject(data)
    got = sorted(
        (e.dtstart.value.astimezone(UTC), e.dtend.value.astimezone(UTC)) for e in parsed.vevent_list
    )
    want = sorted((s.start.astimezone(UTC), s.end.astimezone(UTC)) for s in sessions)
    assert got == want


@pytest.mark.parametrize("zone", _ZONES + ["America/Santiago", "America/Asuncion", "Asia/Tehran"])
@pytest.mark.parametrize("year", [2026, 2027])
def test_our_vtimezone_agrees_with_zoneinfo_every_hour_of_the_year(zone, year):
    """Read our VTIMEZONE with dateutil (an independent implementation) and compare."""
    import io

    from dateutil.tz import tzical

    from backspasm.exports.ics import _vtimezone

    vtz = _vtimezone(zone, date(year, 1, 1), date(year, 12, 31))
    theirs = tzical(io.StringIO(vtz.to_ical().decode())).get()
    ours = ZoneInfo(zone)
    t = datetime(year, 1, 1, tzinfo=UTC)
    while t.year == year:
        local = t.astimezone(ours)
        wall = local.replace(tzinfo=None)
        if not local.fold and ours.utcoffset(wall.replace(fold=1)) == local.utcoffset():
            assert wall.replace(tzinfo=theirs).utcoffset() == local.utcoffset(), (zone, wall)
        t += timedelta(hours=1)


def _utc_pairs(data: bytes) -> list[tuple[datetime, datetime]]:
    return sorted(
        (e.dtstart.value.astimezone(UTC), e.dtend.value.astimezone(UTC))
        for e in read_vobject(data).vevent_list
    )


def test_a_session_ending_in_the_skipped_hour_is_written_at_its_real_instant(kb):
    """The example Hypothesis found (America/New_York, start 2027-03-13 00:30 UTC, 30 min):
    wall-clock arithmetic in a ZoneInfo gave an end of 02:00 on 14 March 2027, a time the
    clocks skip. It was written as 02:00, which vobject read as EDT, an hour early; it must
    be written as the clock shows it, 03:00 EDT (07:00 UTC)."""
    begin = datetime(2027, 3, 13, 0, 30, tzinfo=UTC).astimezone(NEW_YORK)
    sessions = [
        Session("heat", begin + timedelta(hours=6 * i), begin + timedelta(hours=6 * i, minutes=30))
        for i in range(8)
    ]
    assert sessions[5].end.replace(tzinfo=None) == datetime(2027, 3, 14, 2, 0)  # the gap
    data = build_ics(sessions, episode_uid="p", tz=NEW_YORK, kb=kb, now=NOW)
    assert b"DTEND;TZID=America/New_York:20270314T030000" in data
    assert b"20270314T020000" not in data
    want = sorted((s.start.astimezone(UTC), s.end.astimezone(UTC)) for s in sessions)
    assert _utc_pairs(data) == want
    assert want[5][1] == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    ical = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert sorted(e["DTEND"].dt.astimezone(UTC) for e in ical) == [w[1] for w in want]


def test_a_session_in_the_second_repeated_hour_is_not_an_hour_early(kb):
    """01:10 EST on 7 November 2027 (after the clocks go back) is written in UTC: with the
    TZID, every reader takes a repeated wall time as the first one, 01:10 EDT."""
    start = datetime(2027, 11, 7, 6, 10, tzinfo=UTC)
    assert start.astimezone(NEW_YORK).fold == 1
    first = datetime(2027, 11, 7, 5, 10, tzinfo=UTC)  # 01:10 EDT, written with the TZID
    sessions = [
        Session("heat", s.astimezone(NEW_YORK), (s + timedelta(minutes=20)).astimezone(NEW_YORK))
        for s in (first, start)
    ]
    data = build_ics(sessions, episode_uid="p", tz=NEW_YORK, kb=kb, now=NOW)
    assert b"DTSTART;TZID=America/New_York:20271107T011000" in data
    assert b"DTSTART:20271107T061000Z" in data
    want = sorted((s.start.astimezone(UTC), s.end.astimezone(UTC)) for s in sessions)
    assert _utc_pairs(data) == want
    ical = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert sorted(e["DTSTART"].dt.astimezone(UTC) for e in ical) == [first, start]


def test_vobject_keeps_the_first_vtimezone_so_every_file_has_the_same_one(kb):
    """vobject (0.9.9; Radicale is built on it) keeps the first VTIMEZONE it reads for a
    TZID for the whole process. Files for different months must therefore carry the same
    VTIMEZONE, or a later file is read with an earlier file's (span-limited) changes —
    why the VTIMEZONE is yearly rules and not icalendar's Timezone.from_tzid over the
    events' span (which also writes RDATE lists, of which vobject reads only the first)."""
    jan = _day_sessions(datetime(2026, 1, 5, tzinfo=NEW_YORK))
    july = _day_sessions(datetime(2027, 7, 5, tzinfo=NEW_YORK))
    a = build_ics(jan, episode_uid="a", tz=NEW_YORK, kb=kb, now=NOW)
    b = build_ics(july, episode_uid="b", tz=NEW_YORK, kb=kb, now=NOW)
    assert a.split(b"BEGIN:VTIMEZONE")[1].split(b"END:VTIMEZONE")[0] in b
    read_vobject(a)  # registers a's VTIMEZONE
    later = vobject.readOne(b.decode())  # as a long-running server reads the next file
    got = sorted(e.dtstart.value.astimezone(UTC) for e in later.vevent_list)
    assert got == sorted(s.start.astimezone(UTC) for s in july)
