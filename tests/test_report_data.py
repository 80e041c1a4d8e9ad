"""The data the report and the FHIR export share (exports.source.load_episode): every fired
rule of the triage, the warnings the diary raised later (as ``status`` judged the diary at
each pain entry), the questions skipped on purpose, and the notes as typed. A real diary
database; the warnings are checked against ``status`` itself at the same moments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backspasm.core.diary_warnings import diary_warnings, not_asked
from backspasm.exports.source import load_episode
from backspasm.knowledge import load_knowledge
from report_diary import ONSET, RISE_AT, SCORES, TRIAGE_AT, full_answers, write_two_weeks

NOW = ONSET + timedelta(days=15)


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


@pytest.fixture
def diary(sqlite_url):
    from backspasm.store import open_store

    with open_store(sqlite_url, clock=lambda: NOW) as s:
        ids = write_two_weeks(s, "America/New_York")
        yield s, ids


def test_the_triage_carries_every_fired_rule_with_its_words_and_sources(diary, kb):
    store, (pid, eid) = diary
    record, _ = load_episode(store, pid, eid, kb=kb, now=NOW)
    t = record.triage
    assert t is not None and t.at == TRIAGE_AT and t.knowledge_version == kb.version
    saved = store.triage_records(pid)[-1]
    assert [r.rule for r in t.rules] == saved.rules == ["sciatica-one-leg"]
    rule = t.rules[0]
    assert "down one leg" in rule.text and rule.sources == ("NHS-BACKPAIN",)
    assert rule.level == "self_care"


def test_the_questions_skipped_on_purpose_are_named(diary, kb):
    store, (pid, eid) = diary
    record, _ = load_episode(store, pid, eid, kb=kb, now=NOW)
    # Under 50: no tummy-pain or first-episode question; no leg weakness: no follow-up.
    assert set(record.triage.not_asked) == {"abdominal_pain", "first_episode_ever",
                                            "weakness_getting_worse"}


def test_a_triage_stopped_by_an_emergency_did_not_ask_the_rest(kb):
    answers = {"chest_pain": False, "fainting_or_collapse": False, "saddle_numbness": True}
    skipped = not_asked(kb, answers, at=TRIAGE_AT)
    assert "fever_or_unwell" in skipped and "saddle_numbness" not in skipped
    # Stopped at a question still to answer: nothing was skipped on purpose.
    assert not_asked(kb, {"chest_pain": False}, at=TRIAGE_AT) == ()


def test_the_rise_to_ten_is_a_later_warning_with_its_date(diary, kb):
    store, (pid, eid) = diary
    record, _ = load_episode(store, pid, eid, kb=kb, now=NOW)
    first = record.warnings[0]
    assert first.at == RISE_AT and first.pain == 10
    assert (first.previous_level, first.level) == ("self_care", "consultation_24")
    assert [r.rule for r in first.rules] == ["severe-and-worsening"]
    assert all(r.text and r.sources for w in record.warnings for r in w.rules)
    assert [w.at for w in record.warnings] == sorted(w.at for w in record.warnings)
    assert all(ONSET <= w.at <= ONSET + timedelta(days=14) for w in record.warnings)


def test_each_warning_is_what_status_said_at_that_pain_entry(sqlite_url, kb):
    """The same diary, written entry by entry: ``status`` after each pain entry rose above
    the saved triage exactly where the export says the diary raised a warning (and a run of
    the same warning is kept once)."""
    from backspasm.status import status_report
    from backspasm.store import open_store

    said = []
    with open_store(sqlite_url, clock=lambda: NOW) as s:
        pid, eid = write_two_weeks(s, "Europe/London")
        for p in s.pain_entries(pid):
            with open_store(sqlite_url, clock=lambda at=p.at: at) as then:
                r = status_report(then, then.get_profile(pid), kb, p.at)
            said.append((p.at, r["level"] if r["rose"] else None,
                         tuple(x["rule"] for x in r["new_reasons"]) if r["rose"] else ()))
        record, _ = load_episode(s, pid, eid, kb=kb, now=NOW)
    expected, last = [], None
    for at, level, rules in said:
        if level is not None and (level, rules) != last:
            expected.append((at, level, rules))
        last = (level, rules) if level is not None else None
    assert expected, "the diary should have raised a warning"
    got = [(w.at, w.level, tuple(r.rule for r in w.rules)) for w in record.warnings]
    assert got == expected


def test_no_warning_when_the_pain_only_eases(kb):
    from backspasm.store.records import Episode, PainEntry, TriageRecord

    ep = Episode(1, 1, ONSET, None, None)
    pain = [PainEntry(i, 1, ONSET + timedelta(hours=1 + i), max(0, 4 - i), None)
            for i in range(5)]
    saved = TriageRecord(1, 1, TRIAGE_AT, full_answers(TRIAGE_AT, ONSET, leg_symptoms="none"),
                         "self_care", [], kb.version)
    assert diary_warnings(kb, episodes=[ep], pain=pain, triages=[saved], since=ONSET) == ()


def test_notes_are_kept_as_typed(diary, kb):
    store, (pid, eid) = diary
    record, _ = load_episode(store, pid, eid, kb=kb, now=NOW)
    assert {(m.name, m.note) for m in record.medicines} == {("Ibuprofen", "400 mg"),
                                                            ("Paracetamol", "1 g")}
    assert record.pain[0].note == "Bent to lift a box" and len(record.pain) == len(SCORES)
    assert all(c.end - c.start in (timedelta(minutes=20), timedelta(minutes=10))
               for c in record.care)
