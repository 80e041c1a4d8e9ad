"""The triage knowledge files: content checks, meta-tests, and broken files named at load."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from backspasm.core.answers import parse_answers
from backspasm.core.triage import triage
from backspasm.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge, load_knowledge_from

KB = load_knowledge()
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RULE_IDS = [
    "chest-pain",
    "collapse",
    "saddle-numbness",
    "bladder-bowel",
    "sexual-function",
    "both-legs",
    "weakness-getting-worse",
    "serious-accident",
    "cancer-with-nerve-symptoms",
    "fever-with-infection-risk",
    "fever-or-unwell",
    "unbearable-pain",
    "severe-and-worsening",
    "weak-leg",
    "past-cancer",
    "infection-risk",
    "fragile-bones-after-strain",
    "belly-pain-over-50",
    "no-relief-or-night-pain",
    "worse-coughing-sneezing",
    "between-shoulder-blades",
    "weight-loss",
    "lump-or-changed-shape",
    "lasting-over-72h",
    "frequent-spasms",
    "getting-worse",
    "first-episode-over-50",
    "fragile-bones",
    "pregnancy",
    "under-16",
    "sciatica-one-leg",
]


def _shared() -> Path:
    env = os.environ.get("BACKSPASM_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def _all_cases() -> list[tuple[dict[str, Any], list[str]]]:
    """(answers, unsure) of every vignette and scenario case that is not an error."""
    out = []
    for path in sorted((_shared() / "vignettes").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                case = json.loads(line)
                if case["expected"] != "error":
                    out.append((case["answers"], []))
    data = yaml.safe_load((Path(__file__).parent / "data" / "triage_cases.yaml").read_text())
    out += [
        (c["answers"], c.get("unsure", [])) for c in data["cases"] if c.get("expected") != "error"
    ]
    return out


def _copy_knowledge(tmp_path: Path) -> Path:
    """A copy of the knowledge files alone (no Python) to change in a test."""
    copy = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return copy


def test_every_clinical_rule_is_there_with_a_stable_id() -> None:
    assert [r["id"] for r in KB["rules"]["rules"]] == RULE_IDS


def test_every_rule_has_known_sources() -> None:
    for rule in KB["rules"]["rules"]:
        assert rule["sources"], rule["id"]
        assert set(rule["sources"]) <= set(KB.sources), rule["id"]


def test_every_rule_fires_in_a_vignette_or_scenario_case() -> None:
    fired: set[str] = set()
    for answers, unsure in _all_cases():
        fired |= triage(parse_answers(answers, default_now=NOW), KB, unsure=frozenset(unsure)).fired
    assert set(RULE_IDS) - fired == set()


def test_thresholds_are_named_with_notes() -> None:
    t = {x["id"]: x for x in KB["thresholds"]["thresholds"]}
    assert t["acute_hours"]["value"] == 72 and t["frequent_episodes"]["value"] == 3
    assert t["frequent_window_days"]["value"] == 90 and t["rest_days"]["value"] == 3
    assert t["wake_hour"]["value"] == 7 and t["sleep_hour"]["value"] == 22
    assert t["older_age"]["value"] == 50 and t["severe_pain"]["value"] == 7
    assert all(x["note"] for x in t.values())


def test_regions_have_their_emergency_numbers() -> None:
    regions = {r["id"]: r for r in KB["regions"]["regions"]}
    assert regions["GB"]["emergency_number"] == "999" and "111" in regions["GB"]["urgent_help"]
    assert regions["US"]["emergency_number"] == "911"
    assert regions["EU"]["emergency_number"] == "112"


def test_one_question_per_answer_field() -> None:
    from backspasm.knowledge.specs_triage import answer_fields

    ids = [q["id"] for q in KB["questions"]["questions"]]
    assert sorted(ids) == sorted(f for f in answer_fields() if f != "now")


def test_version_changes_when_a_file_changes(tmp_path: Path) -> None:
    copy = _copy_knowledge(tmp_path)
    before = load_knowledge_from(copy).version
    path = copy / "rules.yaml"
    path.write_text(path.read_text() + "\n# reviewed again\n")
    after = load_knowledge_from(copy).version
    assert before == KB.version and after != before
    assert after.startswith(KB["meta"]["content_version"] + "+")


# --- broken knowledge files fail with the file and the item named -------------------------
def _rule(data: dict, rid: str) -> dict:
    return next(r for r in data["rules"] if r["id"] == rid)


def _q(data: dict, qid: str) -> dict:
    return next(q for q in data["questions"] if q["id"] == qid)


Mutation = Callable[[dict], None]
BROKEN: list[tuple[str, str, Mutation, list[str]]] = [
    (
        "unknown-operator",
        "rules",
        lambda d: _rule(d, "chest-pain").update(when={"is": "chest_pain"}),
        ["rules.yaml", "chest-pain", "unknown operator 'is'"],
    ),
    (
        "unknown-answer-field",
        "rules",
        lambda d: _rule(d, "saddle-numbness").update(when={"flag": "sadle_numbness"}),
        ["rules.yaml", "saddle-numbness", "unknown answer field 'sadle_numbness'"],
    ),
    (
        "unknown-threshold",
        "rules",
        lambda d: _rule(d, "lasting-over-72h")["when"]["all"][0].update(
            more_than=["hours_since_onset", {"threshold": "acute_hrs"}]
        ),
        ["rules.yaml", "lasting-over-72h", "unknown threshold 'acute_hrs'"],
    ),
    (
        "wrong-enum-value",
        "rules",
        lambda d: _rule(d, "both-legs")["when"]["any"][0].update(equals=["leg_symptoms", "both"]),
        ["rules.yaml", "both-legs", "'both' is not a value of 'leg_symptoms'"],
    ),
    (
        "flag-on-a-number",
        "rules",
        lambda d: _rule(d, "under-16").update(when={"flag": "age"}),
        ["rules.yaml", "under-16", "needs a boolean field"],
    ),
    (
        "unknown-source",
        "rules",
        lambda d: _rule(d, "pregnancy").update(sources=["NICE-NG999"]),
        ["rules.yaml", "pregnancy", "unknown source id 'NICE-NG999'"],
    ),
    (
        "no-source",
        "rules",
        lambda d: _rule(d, "pregnancy").update(sources=[]),
        ["rules.yaml", "pregnancy", "at least 1"],
    ),
    (
        "unknown-level",
        "rules",
        lambda d: _rule(d, "pregnancy").update(level="soon"),
        ["rules.yaml", "pregnancy", "level"],
    ),
    (
        "misspelt-rule-key",
        "rules",
        lambda d: _rule(d, "pregnancy").update(levle="consultation"),
        ["rules.yaml", "pregnancy", "unknown field 'levle'"],
    ),
    (
        "duplicate-rule-id",
        "rules",
        lambda d: _rule(d, "weight-loss").update(id="pregnancy"),
        ["rules.yaml", "duplicate id 'pregnancy'"],
    ),
    (
        "emergency-rule-without-a-sign",
        "rules",
        lambda d: _rule(d, "sexual-function").pop("sign"),
        ["rules.yaml", "sexual-function", "needs a 'sign'"],
    ),
    (
        "sign-on-a-non-emergency-rule",
        "rules",
        lambda d: _rule(d, "weight-loss").update(sign="Weight loss."),
        ["rules.yaml", "weight-loss", "only emergency rules"],
    ),
    (
        "emergency-reason-says-today",
        "rules",
        lambda d: _rule(d, "both-legs").update(text="Go to hospital today."),
        ["rules.yaml", "both-legs", "never 'today'"],
    ),
    (
        "emergency-card-says-today",
        "care_cards",
        lambda d: d["levels"][1].update(summary="A doctor must see you today."),
        ["care_cards.yaml", "'emergency'", "never 'today'"],
    ),
    (
        "routes-to-unknown",
        "questions",
        lambda d: _q(d, "pregnant").update(next="onsett"),
        ["questions.yaml", "pregnant", "unknown question 'onsett'"],
    ),
    (
        "routes-nowhere",
        "questions",
        lambda d: _q(d, "age").update(
            next=[{"if": {"at_least": ["age", 50]}, "to": "abdominal_pain"}]
        ),
        ["questions.yaml", "'age'", "route nowhere"],
    ),
    (
        "route-condition-bad-field",
        "questions",
        lambda d: _q(d, "age").update(
            next=[{"if": {"at_least": ["agee", 50]}, "to": "abdominal_pain"}, {"to": "pregnant"}]
        ),
        ["questions.yaml", "'age'", "unknown answer field 'agee'"],
    ),
    (
        "unreachable-question",
        "questions",
        lambda d: (
            _q(d, "lump_or_changed_shape").update(next="result")
            or _q(d, "unexplained_weight_loss").update(next="episodes_past_3_months")
        ),
        ["questions.yaml", "'lump_or_changed_shape' is not reachable"],
    ),
    (
        "loop",
        "questions",
        lambda d: _q(d, "first_episode_ever").update(next="chest_pain"),
        ["questions.yaml", "loop"],
    ),
    (
        "missing-question",
        "questions",
        lambda d: (
            d["questions"].remove(_q(d, "pregnant"))
            or _q(d, "abdominal_pain").update(next="onset")
            or _q(d, "age").update(
                next=[{"if": {"at_least": ["age", 50]}, "to": "abdominal_pain"}, {"to": "onset"}]
            )
        ),
        ["questions.yaml", "no question for answer field 'pregnant'"],
    ),
    (
        "wrong-options",
        "questions",
        lambda d: _q(d, "leg_symptoms")["options"].pop(),
        ["questions.yaml", "leg_symptoms", "options"],
    ),
    (
        "not-sure-on-a-number",
        "questions",
        lambda d: _q(d, "age").update(not_sure=True),
        ["questions.yaml", "'age'", "not_sure"],
    ),
    (
        "unknown-placeholder",
        "care_cards",
        lambda d: d["levels"][0].update(heading="Call {emergency_nuber}"),
        ["care_cards.yaml", "emergency_ambulance", "unknown placeholder {emergency_nuber}"],
    ),
    (
        "levels-out-of-order",
        "care_cards",
        lambda d: d["levels"].reverse(),
        ["care_cards.yaml", "in that order"],
    ),
    (
        "unknown-default-region",
        "regions",
        lambda d: d.update(default="UK"),
        ["regions.yaml", "unknown region 'UK'"],
    ),
    (
        "time-zone-unknown-region",
        "regions",
        lambda d: d["from_time_zone"][0].update(region="UK"),
        ["regions.yaml", "from_time_zone[0]", "unknown region 'UK'"],
    ),
    (
        "time-zone-two-matches",
        "regions",
        lambda d: d["from_time_zone"][1].update(zone="America/New_York"),
        ["regions.yaml", "from_time_zone[1]", "exactly one of zone, zone_prefix"],
    ),
    (
        "threshold-not-a-number",
        "thresholds",
        lambda d: d["thresholds"][0].update(value="72"),
        ["thresholds.yaml", "acute_hours", "expected a number"],
    ),
]


@pytest.mark.parametrize(("name", "stem", "mutate", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_knowledge_is_refused_naming_file_and_item(
    tmp_path: Path, name: str, stem: str, mutate: Mutation, words: list[str]
) -> None:
    copy = _copy_knowledge(tmp_path)
    path = copy / f"{stem}.yaml"
    data = yaml.safe_load(path.read_text())
    mutate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    with pytest.raises(KnowledgeError) as info:
        load_knowledge_from(copy)
    for w in words:
        assert w in str(info.value), str(info.value)


def test_an_unknown_knowledge_file_is_refused(tmp_path: Path) -> None:
    copy = _copy_knowledge(tmp_path)
    (copy / "rulez.yaml").write_text("rules: []\n")
    with pytest.raises(KnowledgeError, match="rulez.yaml"):
        load_knowledge_from(copy)
