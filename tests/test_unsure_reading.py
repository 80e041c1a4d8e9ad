""""I'm not sure" is read back as what it is, never as a fact (CLINICAL.md; hazard H6).

The words are data: each question that offers "not sure" has an ``unsure_text`` phrase in
questions.yaml, and care_cards.yaml has the one ``unsure_reason`` template."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from backspasm.core.answers import parse_answers
from backspasm.core.flow import questions
from backspasm.core.triage import explain, triage, unsure_reading
from backspasm.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge, load_knowledge_from

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KB = load_knowledge()
RULE_TEXT = {r["id"]: r["text"] for r in KB["rules"]["rules"]}
NOT_SURE = [q.id for q in questions(KB) if q.not_sure]
#: What a follow-up question needs before its rule can fire.
CONTEXT = {"weakness_getting_worse": {"leg_weakness": "one_leg"}, "abdominal_pain": {"age": 60},
           "osteoporosis_or_steroids": {"trigger": "lifting"}}


def run(answers: dict, unsure: set[str]):
    return triage(parse_answers(answers, default_now=NOW), KB, unsure=unsure)


@pytest.mark.parametrize("field", NOT_SURE)
def test_a_rule_that_fired_on_not_sure_reads_it_back_not_as_a_fact(field: str) -> None:
    result = run(CONTEXT.get(field, {}), {field})
    doubted = [r for r in result.reasons if r.unsure]
    assert doubted, f"no rule fired on 'not sure' to {field}"
    phrase = next(q["unsure_text"] for q in KB["questions"]["questions"] if q["id"] == field)
    for reason in doubted:
        assert reason.unsure == (field,)
        assert reason.text == KB["care_cards"]["unsure_reason"].format(what=phrase)
        assert reason.text.startswith("You were not sure whether ")
        assert RULE_TEXT[reason.rule] not in reason.text
        assert reason.to_dict()["unsure"] == [field]
        assert reason.sources == tuple(next(r for r in KB["rules"]["rules"]
                                            if r["id"] == reason.rule)["sources"])


def test_a_yes_keeps_the_rule_text_and_a_not_sure_over_a_no_is_read_as_not_sure() -> None:
    (reason,) = run({"pregnant": True}, set()).reasons
    assert reason.text == RULE_TEXT["pregnancy"] and reason.unsure == ()
    (reason,) = run({"pregnant": False}, {"pregnant"}).reasons
    assert reason.unsure == ("pregnant",) and "You are pregnant" not in reason.text
    assert reason.text == unsure_reading(KB, "pregnant")


def test_a_rule_that_fires_on_a_certain_answer_is_not_called_unsure() -> None:
    """Weakness getting worse needs a weak leg (certain) and the worsening (not sure)."""
    result = run({"leg_weakness": "one_leg"}, {"weakness_getting_worse"})
    by_rule = {r.rule: r for r in result.reasons}
    assert by_rule["weak-leg"].text == RULE_TEXT["weak-leg"]
    assert by_rule["weakness-getting-worse"].unsure == ("weakness_getting_worse",)


def test_a_saved_triage_is_explained_in_the_same_words() -> None:
    answers = parse_answers({"leg_weakness": "one_leg"}, default_now=NOW)
    unsure = {"weakness_getting_worse", "chest_pain"}
    fresh = triage(answers, KB, unsure=unsure)
    again = explain(KB, [r.rule for r in fresh.reasons], answers, sorted(unsure))
    assert again == fresh.reasons
    # An old record: an unknown rule and a mark on a field that is not yes/no are left out.
    assert explain(KB, ["gone-rule", "chest-pain"], answers, ["age", "chest_pain"]) == (
        fresh.reasons[0],)


def test_every_not_sure_question_has_its_read_back_at_load_time(tmp_path: Path) -> None:
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = copy / "questions.yaml"
    data = yaml.safe_load(path.read_text())
    next(q for q in data["questions"] if q["id"] == "chest_pain").pop("unsure_text")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    with pytest.raises(KnowledgeError) as info:
        load_knowledge_from(copy)
    for words in ("questions.yaml", "'chest_pain'", "unsure_text"):
        assert words in str(info.value)


def test_the_read_back_template_needs_its_placeholder(tmp_path: Path) -> None:
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = copy / "care_cards.yaml"
    data = yaml.safe_load(path.read_text())
    data["unsure_reason"] = "You were not sure. We counted {it} as yes."
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    with pytest.raises(KnowledgeError, match=r"care_cards.yaml: unsure_reason.*\{what\}"):
        load_knowledge_from(copy)


def test_the_terminal_reads_not_sure_back_as_not_sure() -> None:
    """`backspasm triage`, answered "?" to chest pain: the reason says not sure."""
    out = subprocess.run([sys.executable, "-m", "backspasm", "triage", "--no-save",
                          "--now", NOW.isoformat()], input="?\n", capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.replace("│", " ").split())
    assert "You were not sure whether you have chest pain." in text
    assert "You have chest pain" not in text


def test_the_web_emergency_and_result_pages_read_not_sure_back(tmp_path: Path) -> None:
    from web_helpers import SELF_CARE, make_client, text_of, walk

    client = make_client(tmp_path)
    r, _ = walk(client, {**SELF_CARE, "chest_pain": "not_sure"})
    assert r.url.path == "/triage/stop"
    page = text_of(r.text)
    assert "You were not sure whether you have chest pain." in page
    assert "You have chest pain" not in page
    r, _ = walk(client, {**SELF_CARE, "pregnant": "not_sure"})
    r = client.post("/triage/check")
    page = text_of(r.text)
    assert r.url.path == "/triage/result"
    assert "You were not sure whether you are pregnant." in page
    assert "You are pregnant" not in page
