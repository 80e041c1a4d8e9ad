"""FHIR export, issue 15: each resource a clinic system files (Patient, MedicationStatement,
Procedure, pain Observation, RiskAssessment), our own code systems, every reference inside
the Bundle, and a round trip through fhir.resources back to the same facts."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backspasm.exports import CareDone, MedicineDose, PainPoint, TriageSnapshot
from backspasm.exports.fhir import CANONICAL, build_bundle, bundle_json, references
from backspasm.knowledge import load_knowledge
from fhir_helpers import NOW, ONSET, by_type, episode, named_person, r4_validate

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def _load(bundle: dict) -> Any:
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate(json.loads(bundle_json(bundle)))


def _check_all(bundle: dict) -> None:
    """Each entry against its own schema (the whole Bundle once, in test_fhir.py: its
    schema tries every resource type per entry, far too slow for many examples)."""
    for e in bundle["entry"]:
        r4_validate(e["resource"])


# -- Patient -------------------------------------------------------------------------------

def test_patient_has_name_and_birth_date_when_given(kb):
    bundle = build_bundle(named_person(), kb=kb, now=NOW, patient_key="profile/abc")
    (p,) = by_type(bundle)["Patient"]
    r4_validate(p)
    assert p["name"] == [{"text": "Alex Morgan"}] and p["birthDate"] == "1982-05-17"
    assert p["identifier"][0]["value"] == bundle["entry"][0]["fullUrl"]


def test_patient_without_name_is_pseudonymous_and_never_shared(kb):
    a = by_type(build_bundle(episode(), kb=kb, now=NOW, patient_key="profile/r4nd0m1"))
    b = by_type(build_bundle(episode(), kb=kb, now=NOW, patient_key="profile/r4nd0m2"))
    (pa,), (pb,) = a["Patient"], b["Patient"]
    assert "name" not in pa and "birthDate" not in pa
    assert pa["identifier"][0]["value"] != pb["identifier"][0]["value"]
    assert "r4nd0m1" not in json.dumps(a)
    # Only the date of birth given: no empty name.
    (pc,) = by_type(build_bundle(episode(birth_date=date(1990, 1, 2), name="  "),
                                 kb=kb, now=NOW, patient_key="p"))["Patient"]
    assert "name" not in pc and pc["birthDate"] == "1990-01-02"


# -- MedicationStatement ---------------------------------------------------------------------

def test_a_medication_statement_per_medicine_text_as_typed(kb):
    bundle = build_bundle(episode(), kb=kb, now=NOW, patient_key="p")
    meds = by_type(bundle)["MedicationStatement"]
    for m in meds:
        r4_validate(m)
    assert [m["medicationCodeableConcept"]["text"] for m in meds] == ["Ibuprofen", "Nurofen Plus"]
    ibu, brand = meds
    assert ibu["medicationCodeableConcept"]["coding"] == [
        {"system": RXNORM, "code": "5640", "display": "ibuprofen"}]
    assert "coding" not in brand["medicationCodeableConcept"]  # a brand: text only
    assert ibu["note"] == [{"text": "400 mg"}] and "note" not in brand
    assert ibu["status"] == "completed"
    assert ibu["effectiveDateTime"] == "2026-10-23T08:35:00+01:00"
    patient_ref = {"reference": bundle["entry"][0]["fullUrl"]}
    assert ibu["subject"] == ibu["informationSource"] == patient_ref


@pytest.mark.parametrize(("typed", "code"), [
    ("ibuprofen", "5640"), ("  IBUPROFEN  400mg ", "5640"), ("Paracetamol 500 mg", "161"),
    ("acetaminophen", "161"), ("Naproxen", "7258"), ("naproxen 250 mg", "7258"),
    ("Nurofen", None), ("co-codamol", None), ("ibuprofen and codeine", None),
    ("paracetamol extra", None), ("", None), ("aspirin", None),
])
def test_medicine_codes_only_for_plain_generic_names(kb, typed, code):
    from backspasm.exports.fhir.codes import medicine_coding

    got = medicine_coding(kb, typed)
    assert (got["code"] if got else None) == code
    if got:
        assert got["system"] == RXNORM


# -- Procedure -------------------------------------------------------------------------------

def test_each_logged_care_session_is_a_completed_procedure(kb):
    bundle = build_bundle(episode(), kb=kb, now=NOW, patient_key="p")
    procs = by_type(bundle)["Procedure"]
    for p in procs:
        r4_validate(p)
    # ice and stretch; medicines are MedicationStatements and "other" is not filed.
    assert [p["code"]["coding"][0]["code"] for p in procs] == ["ice", "stretch"]
    ice, stretch = procs
    assert all(p["status"] == "completed" for p in procs)
    assert ice["performedPeriod"] == {"start": "2026-10-23T09:40:00+01:00",
                                      "end": "2026-10-23T10:00:00+01:00"}
    assert stretch["performedPeriod"] == {"start": "2026-10-24T13:30:00+01:00"}
    assert ice["code"]["text"] == "Ice pack" and ice["note"] == [{"text": "on the sofa"}]
    assert not any(c["system"] == "http://snomed.info/sct"
                   for p in procs for c in p["code"]["coding"])


def test_heat_and_contrast_sessions_too(kb):
    t = ONSET + timedelta(days=3)
    care = [CareDone("heat", t, t + timedelta(minutes=20)),
            CareDone("contrast", t + timedelta(hours=5), t + timedelta(hours=5, minutes=10))]
    procs = by_type(build_bundle(episode(care=care), kb=kb, now=NOW, patient_key="p"))["Procedure"]
    assert [(p["code"]["coding"][0]["code"], p["code"]["text"]) for p in procs] == [
        ("heat", "Heat"), ("contrast", "Hot and cold shower")]


# -- Pain Observation ------------------------------------------------------------------------

def test_pain_observations_carry_loinc_survey_time_and_note(kb):
    obs = by_type(build_bundle(episode(), kb=kb, now=NOW, patient_key="p"))["Observation"]
    first = obs[0]
    assert first["code"]["coding"][0]["code"] == "72514-3"
    assert first["code"]["coding"][0]["system"] == "http://loinc.org"
    assert first["category"][0]["coding"][0]["code"] == "survey"
    assert first["valueInteger"] == 8 and first["effectiveDateTime"] == "2026-10-23T08:30:00+01:00"
    assert first["note"] == [{"text": "could not stand up"}]
    assert [("note" in o) for o in obs] == [True, False, False, True]  # empty note: none


# -- RiskAssessment --------------------------------------------------------------------------

def _two_rules() -> TriageSnapshot:
    return TriageSnapshot(
        at=NOW, answers={"age": 60, "pain_now": 6}, level="consultation_24",
        reasons=[
            {"rule": "lasting-over-72h", "level": "consultation", "text": "Over 72 hours.",
             "sources": ["S-HOME"]},
            {"rule": "no-relief-or-night-pain", "level": "consultation_24",
             "text": "Worse at night.", "sources": ["NHS-BACKPAIN", "CKS-LBP"]},
        ],
        knowledge_version="2+0123456789ab",
    )


def test_the_triage_result_is_a_risk_assessment_linked_both_ways(kb):
    bundle = build_bundle(episode(triage=_two_rules()), kb=kb, now=NOW, patient_key="p")
    res = by_type(bundle)
    (ra,), (qr,) = res["RiskAssessment"], res["QuestionnaireResponse"]
    r4_validate(ra)
    r4_validate(qr)
    url_of = {id(e["resource"]): e["fullUrl"] for e in bundle["entry"]}
    assert ra["basis"] == [{"reference": url_of[id(qr)]}]
    (ext,) = qr["extension"]
    assert ext["url"] == f"{CANONICAL}/StructureDefinition/triage-result"
    assert ext["valueReference"] == {"reference": url_of[id(ra)]}
    outcome = ra["prediction"][0]["outcome"]
    assert outcome["coding"][0]["code"] == "consultation_24"
    assert outcome["text"] == "Urgent: get help today"
    assert [c["coding"][0]["code"] for c in ra["reasonCode"]] == [
        "lasting-over-72h", "no-relief-or-night-pain"]
    assert [c["text"] for c in ra["reasonCode"]] == ["Over 72 hours.", "Worse at night."]
    notes = [n["text"] for n in ra["note"]]
    assert notes[0].startswith("lasting-over-72h: Over 72 hours. Sources: ")
    assert kb.sources["S-HOME"]["title"] in notes[0]
    assert kb.sources["CKS-LBP"]["title"] in notes[1]
    assert kb.sources["NHS-BACKPAIN"]["url"] in notes[1]
    assert "Developer note" not in json.dumps(ra)  # no internal notes
    assert ra["method"]["text"].endswith("knowledge version 2+0123456789ab")
    assert ra["occurrenceDateTime"] == "2026-10-26T08:00:00+00:00"


def test_a_rule_this_knowledge_no_longer_has_keeps_its_words_without_a_code(kb):
    old = TriageSnapshot(at=NOW, answers={}, level="consultation", reasons=[
        {"rule": "retired-rule", "text": "Old words.", "sources": ["S-HOME"]}])
    bundle = build_bundle(episode(triage=old), kb=kb, now=NOW, patient_key="p")
    (ra,) = by_type(bundle)["RiskAssessment"]
    r4_validate(ra)
    assert ra["reasonCode"] == [{"text": "Old words."}]
    assert ra["note"][0]["text"].startswith("retired-rule: Old words.")
    _load(bundle)


def test_a_self_care_result_without_fired_rules_still_validates(kb):
    triage = TriageSnapshot(at=NOW, answers={"age": 30}, level="self_care")
    (ra,) = by_type(build_bundle(episode(triage=triage), kb=kb, now=NOW,
                                 patient_key="p"))["RiskAssessment"]
    r4_validate(ra)
    assert "reasonCode" not in ra and ra["prediction"][0]["outcome"]["coding"][0]["code"] == (
        "self_care")
    assert ra["method"]["text"].endswith(kb.version)  # version unknown: the current one


# -- Code systems and references ---------------------------------------------------------------

def _codings(node: Any) -> list[dict]:
    out: list[dict] = []
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            out.append(node)
        for v in node.values():
            out += _codings(v)
    elif isinstance(node, list):
        for v in node:
            out += _codings(v)
    return out


def test_our_codes_live_in_code_systems_of_the_bundle(kb):
    bundle = build_bundle(named_person(triage=_two_rules()), kb=kb, now=NOW, patient_key="p")
    _check_all(bundle)
    systems = {cs["url"]: {c["code"] for c in cs["concept"]}
               for cs in by_type(bundle)["CodeSystem"]}
    assert systems and all(url.startswith(f"{CANONICAL}/CodeSystem/") for url in systems)
    ours = [c for e in bundle["entry"] if e["resource"]["resourceType"] != "CodeSystem"
            for c in _codings(e["resource"]) if c["system"].startswith(CANONICAL)]
    assert ours
    for c in ours:
        assert c["code"] in systems[c["system"]], c
    text = json.dumps(bundle)
    assert "#" not in "".join(c["system"] for c in _codings(bundle))
    assert '"system": "urn:uuid' not in text and '"system": ""' not in text
    # The canonical Questionnaire URL is what the response points at.
    (q,) = by_type(bundle)["Questionnaire"]
    (qr,) = by_type(bundle)["QuestionnaireResponse"]
    assert q["url"] == f"{CANONICAL}/Questionnaire/triage"
    assert qr["questionnaire"] == f"{q['url']}|{q['version']}"


def test_every_reference_resolves_to_an_entry(kb):
    bundle = build_bundle(named_person(triage=_two_rules()), kb=kb, now=NOW, patient_key="p")
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))
    refs = list(references(bundle))
    assert len(refs) > 10
    assert set(refs) <= set(urls), set(refs) - set(urls)
    for e in bundle["entry"]:
        assert e["fullUrl"] == "urn:uuid:" + e["resource"]["id"]


# -- Round trip --------------------------------------------------------------------------------

def _typed(text: str | None) -> str | None:
    """What FHIR may hold of words as typed: other white space as a plain space, trimmed."""
    clean = re.sub(r"[^\S \r\n\t]", " ", text or "").strip()
    return clean or None


def _sorted(items: Any) -> list:
    return sorted(items, key=repr)  # None and text mix in places: order by the written form


def _facts_in(record) -> dict[str, Any]:
    tz = UTC  # compared as instants (PEP 495: a repeated hour never equals another zone's)
    t = record.triage
    return {
        "name": " ".join(record.name.split()) if record.name else None,
        "birth": record.birth_date,
        "pain": _sorted((p.at.astimezone(tz), p.score, _typed(p.note)) for p in record.pain),
        "meds": _sorted((m.at.astimezone(tz), _typed(m.name), _typed(m.note))
                       for m in record.medicines),
        "care": _sorted((c.kind, c.start.astimezone(tz), c.end and c.end.astimezone(tz),
                        _typed(c.note))
                       for c in record.care if c.kind in ("ice", "heat", "contrast", "stretch")),
        "level": t.level if t else None,
        "rules": [str(r["rule"]) for r in t.reasons] if t else [],
    }


def _facts_out(model) -> dict[str, Any]:
    res: dict[str, list] = {}
    for e in model.entry:
        res.setdefault(e.resource.get_resource_type(), []).append(e.resource)
    (p,) = res["Patient"]

    def note(r) -> str | None:
        return r.note[0].text if r.note else None

    def when(v) -> datetime:
        return (v if isinstance(v, datetime) else datetime.fromisoformat(str(v))).astimezone(UTC)

    ra = res.get("RiskAssessment", [None])[0]
    return {
        "name": p.name[0].text if p.name else None,
        "birth": p.birthDate,
        "pain": _sorted((when(o.effectiveDateTime), o.valueInteger, note(o))
                       for o in res.get("Observation", [])),
        "meds": _sorted((when(m.effectiveDateTime), m.medicationCodeableConcept.text, note(m))
                       for m in res.get("MedicationStatement", [])),
        "care": _sorted((pr.code.coding[0].code, when(pr.performedPeriod.start),
                        when(pr.performedPeriod.end) if pr.performedPeriod.end else None,
                        note(pr)) for pr in res.get("Procedure", [])),
        "level": ra.prediction[0].outcome.coding[0].code if ra else None,
        "rules": [c.coding[0].code for c in (ra.reasonCode or [])] if ra else [],
    }


def test_pasted_white_space_is_made_valid(kb):
    pain = [PainPoint(ONSET, 5, "\u00a0sore\u2003all day\u00a0")]
    meds = [MedicineDose("ibuprofen\u00a0400\u00a0mg", ONSET, None)]
    bundle = build_bundle(episode(pain=pain, medicines=meds), kb=kb, now=NOW, patient_key="p")
    _check_all(bundle)
    res = by_type(bundle)
    assert res["Observation"][0]["note"] == [{"text": "sore all day"}]
    med = res["MedicationStatement"][0]["medicationCodeableConcept"]
    assert med["text"] == "ibuprofen 400 mg" and med["coding"][0]["code"] == "5640"


def test_round_trip_through_fhir_resources_gives_the_same_facts(kb):
    record = named_person(triage=_two_rules())
    model = _load(build_bundle(record, kb=kb, now=NOW, patient_key="p"))
    assert _facts_out(model) == _facts_in(record)


_notes = st.one_of(st.none(), st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                                      min_size=1, max_size=30).filter(str.strip))
_offsets = st.integers(min_value=0, max_value=14 * 24 * 60)


@st.composite
def _records(draw):
    def at(minutes: int) -> datetime:
        return ONSET + timedelta(minutes=minutes)

    pain = [PainPoint(at(m), s, n) for m, s, n in draw(st.lists(
        st.tuples(_offsets, st.integers(0, 10), _notes), max_size=8))]
    meds = [MedicineDose(name, at(m), n) for m, name, n in draw(st.lists(st.tuples(
        _offsets, st.sampled_from(["Ibuprofen", "paracetamol 500 mg", "Nurofen", "Ölmedizin"]),
        _notes), max_size=4))]
    care = []
    for m, kind, minutes, n in draw(st.lists(st.tuples(
            _offsets, st.sampled_from(["ice", "heat", "contrast", "stretch", "other"]),
            st.one_of(st.none(), st.integers(1, 90)), _notes), max_size=5)):
        care.append(CareDone(kind, at(m), at(m + minutes) if minutes else None, n))
    name = draw(st.one_of(st.none(), st.sampled_from(["Sam Lee", "Zoë O'Brien"])))
    birth = draw(st.one_of(st.none(), st.dates(date(1920, 1, 1), date(2010, 12, 31))))
    triage = draw(st.one_of(st.none(), st.just(_two_rules())))
    return episode(pain=pain, medicines=meds, care=care, name=name, birth_date=birth,
                   triage=triage, sessions=[])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=_records())
def test_any_episode_validates_resolves_and_round_trips(record):
    kb = load_knowledge()
    bundle = build_bundle(record, kb=kb, now=NOW, patient_key="p")
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert len(urls) == len(bundle["entry"])
    assert set(references(bundle)) <= urls
    _check_all(bundle)
    assert _facts_out(_load(bundle)) == _facts_in(record)
