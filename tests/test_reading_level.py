"""Reading level of every user-facing knowledge text (issue 9): Flesch-Kincaid grade 6 or
below, evidence notes grade 8 or below; short texts have no long words that are not
explained; the hard words are explained where they first appear; no internal notes."""

from __future__ import annotations

import re

import pytest

from backspasm.knowledge import load_knowledge
from backspasm.knowledge.texts import (
    EVIDENCE_GRADE_LIMIT,
    GRADE_LIMIT,
    grade,
    long_words,
    reading_problems,
    user_texts,
)

pytest.importorskip("textstat")
KB = load_knowledge()
TEXTS = list(user_texts(KB))


def test_there_are_texts_to_measure() -> None:
    files = {t.file for t in TEXTS}
    assert {"rules.yaml", "questions.yaml", "plan.yaml", "education.yaml", "care_cards.yaml",
            "exports.yaml", "web.yaml"} <= files
    assert any(t.evidence for t in TEXTS)


def test_every_text_is_at_or_below_its_grade() -> None:
    problems = [f"{t.file}{t.path} ({why}): {t.text}" for _, t, why in reading_problems(KB)]
    assert not problems, "\n".join(problems)


def test_the_measure_catches_a_hard_text() -> None:
    hard = ("Nonsteroidal anti-inflammatory pharmacotherapy is recommended at the lowest "
            "effective dosage for the minimum necessary duration.")
    assert grade(hard) > EVIDENCE_GRADE_LIMIT > GRADE_LIMIT
    assert long_words("Pharmacotherapy recommended") == ["Pharmacotherapy", "recommended"]


#: Hard words and the words that explain them where they first appear (in the order a person
#: meets the texts: questions, results, plan, Learn).
EXPLAINED = {
    "NSAID": "anti-inflammatory",
    "osteoporosis": "fragile bones",
    "physiotherapist": "health worker",
}


@pytest.mark.parametrize("word", EXPLAINED)
def test_hard_words_are_explained_where_first_used(word: str) -> None:
    """Each file is read in its own place (questions, result, plan, Learn): the first text
    of each that uses the word explains it."""
    for file in ("questions.yaml", "rules.yaml", "care_cards.yaml", "plan.yaml",
                 "education.yaml"):
        first = next((t for t in TEXTS if t.file == file
                      and re.search(rf"\b{word}\b", t.text, re.IGNORECASE)), None)
        if first is not None:
            assert EXPLAINED[word] in first.text.lower(), (first.file, first.path, first.text)


def test_no_internal_notes_in_what_a_person_or_a_gp_sees() -> None:
    internal = re.compile(r"seed-article|our own reading|our reading|CLINICAL\.md|TODO",
                          re.IGNORECASE)
    found = [f"{t.file}{t.path}: {t.text}" for t in TEXTS if internal.search(t.text)]
    shown_sources = [f"sources.yaml {s['id']}: {s[k]}" for s in KB["sources"]["sources"]
                     for k in ("title", "publisher", "supports") if internal.search(s[k])]
    assert not found + shown_sources, found + shown_sources


def test_confusing_wording_is_gone() -> None:
    everything = " ".join(t.text for t in TEXTS).lower()
    for phrase in ("the area swells", "wear and tear", "does resting not", "has its shape",
                   "lie still and rest"):
        assert phrase not in everything, phrase
