"""Diary → triage facts (pure core): the three diary-driven warnings and the merge."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from backspasm.core.trends import diary_facts, merge_answers, reassess, windows
from backspasm.knowledge import Knowledge, load_knowledge

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
KB = load_knowledge()


@dataclass(frozen=True)
class Ep:
    onset: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Pain:
    at: datetime
    score: int


def h(n: float) -> datetime:
    return NOW - timedelta(hours=n)


def facts(episodes=(), pain=(), kb=KB, now=NOW):
    return diary_facts(kb, episodes=list(episodes), pain=list(pain), now=now)


def test_windows_come_from_the_knowledge_thresholds():
    w = windows(KB)
    ids = {t["id"]: t["value"] for t in KB["thresholds"]["thresholds"]}
    assert w.episodes == timedelta(days=ids["frequent_window_days"])
    assert w.trend == timedelta(hours=24) and w.trend_change == 2


def test_lasting_over_72_hours_comes_from_the_episode_and_latest_pain():
    f = facts([Ep(h(80))], [Pain(h(70), 6), Pain(h(1), 4)])
    assert f.onset == h(80) and f.hours_since_onset == 80 and f.pain_now == 4
    r = reassess(KB, facts=f)
    assert r.rose and r.previous_level == "self_care"
    assert r.result.level == "consultation"
    assert "lasting-over-72h" in [x.rule for x in r.new_reasons]
    # Pain gone: the rule stays quiet.
    r0 = reassess(KB, facts=facts([Ep(h(80))], [Pain(h(1), 0)]))
    assert "lasting-over-72h" not in r0.result.fired
    # Under 72 hours: quiet too.
    r70 = reassess(KB, facts=facts([Ep(h(70))], [Pain(h(1), 5)]))
    assert "lasting-over-72h" not in r70.result.fired


def test_pain_from_before_the_current_episode_does_not_count_as_pain_now():
    f = facts([Ep(h(300), h(250)), Ep(h(10))], [Pain(h(260), 0)])
    assert f.onset == h(10) and f.pain_now is None


def test_frequent_episodes_count_the_look_back_window_only():
    days = windows(KB).episodes.days
    three = [Ep(NOW - timedelta(days=d), NOW - timedelta(days=d - 1)) for d in (80, 40)]
    three.append(Ep(h(5)))
    f = facts(three)
    assert f.episodes_recent == 3
    assert "frequent-spasms" in reassess(KB, facts=f).result.fired
    old = [Ep(NOW - timedelta(days=days + 1), NOW - timedelta(days=days))] + three[1:]
    assert facts(old).episodes_recent == 2
    assert "frequent-spasms" not in reassess(KB, facts=facts(old)).result.fired


def test_a_changed_threshold_changes_the_facts():
    data = copy.deepcopy(KB.data)
    for t in data["thresholds"]["thresholds"]:
        if t["id"] == "frequent_window_days":
            t["value"] = 30
    kb30 = Knowledge(version="test", data=data, directory=KB.directory)
    eps = [Ep(NOW - timedelta(days=40), NOW - timedelta(days=39)), Ep(h(5))]
    assert facts(eps).episodes_recent == 2
    assert facts(eps, kb=kb30).episodes_recent == 1


def test_pain_trend_compares_the_last_24_hours_with_the_24_before():
    def trend(before, last):
        pain = [Pain(h(30 + i), s) for i, s in enumerate(before)]
        pain += [Pain(h(2 + i), s) for i, s in enumerate(last)]
        return facts([Ep(h(60))], pain).pain_trend

    assert trend([4, 5], [6, 7]) == "worse"  # 4.5 → 6.5: exactly +2 (CLINICAL.md v2)
    assert trend([4, 5], [6, 6]) == "same"  # +1.5
    assert trend([4, 5], [5, 6]) == "same"  # +1 is noise
    assert trend([4, 5], [5, 5, 6]) == "same"  # +0.83
    assert trend([4, 5], [4, 4]) == "same"  # -0.5
    assert trend([6, 6], [5, 5]) == "same"  # -1
    assert trend([6, 6], [4, 4]) == "better"  # exactly -2
    assert trend([6, 6], [4, 5]) == "same"  # -1.5
    assert trend([], [5, 5]) is None  # nothing to compare with
    assert trend([5], []) is None


@given(st.lists(st.integers(0, 10), min_size=1, max_size=6),
       st.lists(st.integers(0, 10), min_size=1, max_size=6))
def test_swapping_the_windows_swaps_better_and_worse(a, b):
    def at(before, last):
        pain = [Pain(h(25 + i), s) for i, s in enumerate(before)]
        pain += [Pain(h(1 + i), s) for i, s in enumerate(last)]
        return facts([], pain).pain_trend

    flip = {"worse": "better", "better": "worse", "same": "same"}
    assert at(a, b) == flip[at(b, a)]


def test_severe_and_worsening_raises_to_consultation_24_and_says_why():
    saved = {"onset": h(30).isoformat(), "pain_now": 5, "age": 40}
    f = facts([Ep(h(30))], [Pain(h(28), 5), Pain(h(26), 6), Pain(h(3), 8), Pain(h(1), 9)])
    assert f.pain_trend == "worse" and f.pain_now == 9
    r = reassess(KB, facts=f, saved_answers=saved, saved_level="self_care", saved_rules=[])
    assert r.result.level == "consultation_24" and r.rose
    assert [x.rule for x in r.new_reasons][0] == "severe-and-worsening"
    assert r.answers["age"] == 40 and r.answers["pain_now"] == 9


def test_merge_keeps_other_answers_and_never_lowers_a_red_flag():
    saved = {"chest_pain": True, "now": "2026-01-01T00:00:00Z", "episodes_past_3_months": 4}
    f = facts([Ep(h(80))], [Pain(h(1), 3)])
    merged = merge_answers(saved, f)
    assert merged["now"] == NOW.isoformat() and merged["chest_pain"] is True
    assert merged["episodes_past_3_months"] == 4  # the person's own count is larger
    r = reassess(KB, facts=f, saved_answers=saved, saved_level="emergency_ambulance",
                 saved_rules=["chest-pain"])
    assert r.result.level == "emergency_ambulance" and not r.rose
    assert "chest-pain" not in [x.rule for x in r.new_reasons]


def test_an_ended_episode_drops_an_old_saved_onset():
    saved = {"onset": h(200).isoformat(), "pain_now": 4}
    f = facts([Ep(h(200), h(100))], [])
    assert f.episode_over and "onset" not in merge_answers(saved, f)
    assert "lasting-over-72h" not in reassess(KB, facts=f, saved_answers=saved).result.fired


def test_entries_after_now_are_ignored():
    f = facts([Ep(h(-1))], [Pain(h(-2), 9)])
    assert f.onset is None and f.pain_now is None and f.episodes_recent == 0


def test_saved_not_sure_answers_count_as_yes_again():
    """H23/H17: a sign answered "not sure" counted as yes; the re-check must not drop it."""
    saved = {"onset": h(30).isoformat(), "pain_now": 4, "age": 40}  # "not sure" is left out
    f = facts([Ep(h(30))], [Pain(h(1), 4)])
    kept = reassess(KB, facts=f, saved_answers=saved, saved_level="consultation_24",
                    saved_rules=["fever-or-unwell"], saved_unsure=["fever_or_unwell"])
    assert kept.result.level == "consultation_24" and "fever-or-unwell" in kept.result.fired
    assert kept.result.unsure == ("fever_or_unwell",) and not kept.rose
    dropped = reassess(KB, facts=f, saved_answers=saved, saved_level="consultation_24",
                       saved_rules=["fever-or-unwell"])
    assert "fever-or-unwell" not in dropped.result.fired  # what went wrong before the fix
