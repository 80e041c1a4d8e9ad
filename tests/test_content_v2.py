"""What version 2 of the clinical brief says the content must say (CLINICAL.md sections 1
and 2): rest and movement, medicines, ice and heat precautions, emergency wording."""

from __future__ import annotations

from datetime import UTC, datetime

from backspasm.core.answers import parse_answers
from backspasm.core.plan import session_kind, steps_for_phase
from backspasm.core.triage import triage
from backspasm.knowledge import load_knowledge

KB = load_knowledge()
STEPS = {st["id"]: st for st in KB["plan"]["steps"]}


def _acute_text() -> str:
    return " ".join(s["text"] for s in steps_for_phase(KB, "acute")).lower()


def test_acute_phase_says_keep_moving_gently_beside_the_rest_advice() -> None:
    assert "keep moving gently as the pain allows" in _acute_text()
    assert "rest until the worst" in STEPS["stop-and-lie-down"]["text"].lower()
    assert "keep still" not in _acute_text() and "lie still" not in _acute_text()


def test_bed_rest_cites_the_article_only_and_the_evidence_note_the_reviews() -> None:
    rest = STEPS["short-rest-only"]
    assert rest["sources"] == ["S-HOME"]
    assert "3 days at most" in rest["text"]
    cited = {sid for e in rest["evidence"] for sid in e["sources"]}
    assert cited == {"COCHRANE-BEDREST", "NICE-NG59"}


def test_no_lie_still_in_every_ice_session() -> None:
    ice = session_kind(KB, "ice")
    assert "lie still" not in (ice["start_text"] + ice["end_text"]).lower()


def _pain_relief(region: str) -> str:
    step = next(s for s in steps_for_phase(KB, "acute", region=region) if s["id"] == "pain-relief")
    return " ".join([step["text"], *[e["text"] for e in step["evidence"]]]).lower()


def test_medicines_ibuprofen_first_paracetamol_not_alone_naproxen_by_prescription_in_the_uk():
    gb = _pain_relief("GB")
    assert gb.index("ibuprofen") < gb.index("paracetamol")
    assert "on its own, paracetamol does not help" in gb
    assert "naproxen" in gb and "in the uk you need a prescription" in gb
    assert "never gives doses" in gb and "{" not in gb


def test_medicine_names_follow_the_region() -> None:
    us = _pain_relief("US")
    assert "on its own, acetaminophen" in us and "in the us you can buy it" in us
    assert "prescription for it for back pain" not in us
    eu = _pain_relief("EU")
    assert "paracetamol" in eu and "ask a pharmacist if you need a prescription" in eu
    # The triage advice is filled for the region it is asked for.
    answers = parse_answers({"age": 40}, default_now=datetime(2026, 12, 2, tzinfo=UTC))
    advice = triage(answers, KB, region="US").advice
    text = " ".join(a["text"] for a in advice)
    assert "acetaminophen" in text and "{" not in text


def test_ice_and_heat_precautions() -> None:
    ice, heat = STEPS["ice"]["text"].lower(), STEPS["heat"]["text"].lower()
    for text in (ice, heat):
        assert "numb" in text and "broken" in text and "very red, blistered or sore" in text
    assert "diabetes" in ice and "blood flow" in ice
    assert "never fall asleep on a heating pad" in heat and "warm, never hot" in heat
    for kind in ("ice", "heat"):
        assert "very red, blistered or sore" in session_kind(KB, kind)["end_text"]


def test_emergency_cards_say_now_and_the_ambulance_card_adds_no_advice() -> None:
    cards = {c["id"]: c for c in KB["care_cards"]["levels"]}
    ambulance = cards["emergency_ambulance"]
    words = " ".join([ambulance["summary"], *ambulance["do_now"]]).lower()
    assert "call handler" in words
    assert "eat" not in words.split() and "drink" not in words
    for level in ("emergency_ambulance", "emergency"):
        card = cards[level]
        assert "today" not in " ".join([card["heading"], card["summary"], *card["do_now"]])
    assert "not urgent" not in cards["consultation"]["summary"]
