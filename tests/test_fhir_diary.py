"""FHIR from a real diary database: the two-week episode of tests/report_diary.py (a US
profile), read by ``exports.source.load_episode`` and exported whole; every resource valid,
every reference resolved, and what a clinic files is what the person logged."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from backspasm.exports.fhir import build_bundle, bundle_json, references
from backspasm.exports.source import load_episode
from backspasm.knowledge import load_knowledge
from fhir_helpers import by_type, r4_validate
from report_diary import BIRTH, NAME, NOTES, ONSET, RISE_AT, SCORES, write_two_weeks

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.fixture
def bundle(store):
    kb = load_knowledge()
    pid, _ = write_two_weeks(store, "America/New_York")
    record, profile = load_episode(store, pid, None, kb=kb, now=NOW)
    return build_bundle(record, kb=kb, now=NOW, patient_key=f"profile/{profile.pseudonym}")


def test_the_two_week_diary_as_fhir(bundle):
    for e in bundle["entry"]:
        r4_validate(e["resource"])
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert set(references(bundle)) <= urls and len(urls) == len(bundle["entry"])
    res = by_type(bundle)

    obs = res["Observation"]
    assert [o["valueInteger"] for o in obs] == SCORES
    assert [o["note"][0]["text"] for o in obs if "note" in o] == list(NOTES.values())
    assert obs[0]["effectiveDateTime"].endswith("-05:00")  # New York, in March before DST

    meds = Counter((m["medicationCodeableConcept"]["text"],
                    m["medicationCodeableConcept"]["coding"][0]["code"], m["note"][0]["text"])
                   for m in res["MedicationStatement"])
    assert meds == {("Ibuprofen", "5640", "400 mg"): 42, ("Paracetamol", "161", "1 g"): 14}

    procs = Counter(p["code"]["coding"][0]["code"] for p in res["Procedure"])
    assert procs == {"ice": 9, "heat": 33, "stretch": 11}
    assert all(p["status"] == "completed" and "end" in p["performedPeriod"]
               for p in res["Procedure"])

    triage, *warnings = res["RiskAssessment"]
    assert triage["code"]["text"] == "Lower back spasm triage"
    assert "sciatica-one-leg" in [c["coding"][0]["code"] for c in triage["reasonCode"]]
    (qr,) = res["QuestionnaireResponse"]
    assert qr["extension"][0]["valueReference"]["reference"] in urls
    # The rise to 10 made the diary say "get help today": a warning, at that pain entry.
    assert warnings, "the diary's warning is missing"
    first = warnings[0]
    assert first["code"]["text"] == "Warning from the pain diary"
    assert first["prediction"][0]["outcome"]["coding"][0]["code"] == "consultation_24"
    rise = RISE_AT.astimezone(datetime.fromisoformat(first["occurrenceDateTime"]).tzinfo)
    assert datetime.fromisoformat(first["occurrenceDateTime"]) == rise
    pain_urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]
                 if e["resource"]["resourceType"] == "Observation"}
    (pain_ref,) = [b["reference"] for b in first["basis"] if b["reference"] in pain_urls]
    assert pain_urls[pain_ref]["valueInteger"] == 10

    (patient,) = res["Patient"]
    if "name" in patient:  # the profile has a name once the store keeps one
        assert patient["name"] == [{"text": NAME}] and patient["birthDate"] == BIRTH.isoformat()
    assert ONSET.isoformat()[:10] in json.dumps(res["CarePlan"])


def test_the_two_week_bundle_loads_with_fhir_resources(bundle):
    from fhir.resources.R4B.bundle import Bundle

    model = Bundle.model_validate(json.loads(bundle_json(bundle)))
    assert len(model.entry) == len(bundle["entry"])
