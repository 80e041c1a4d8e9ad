"""One name per thing (issue 9): each concept's label comes from the one place it is
defined, and every place that repeats it (the report, the diary) says the same."""

from __future__ import annotations

import copy

from backspasm.knowledge import Knowledge, load_knowledge
from backspasm.knowledge.specs_exports import check_exports, names

KB = load_knowledge()


def test_each_concept_has_one_label() -> None:
    table = names(KB)
    concepts = [c for c, *_ in table]
    assert len(concepts) == len(set(concepts))
    assert {"care contrast", "care stretch", "trigger sport", "level self_care"} <= set(concepts)
    report = KB["exports"]["report"]
    for concept, where, label, repeated in table:
        group, key = repeated.split(".")[1:]
        assert report[group][key] == label, (concept, where)
    # The contrast shower has one name everywhere it is shown.
    labels = dict((c, label) for c, _, label, _ in table)
    assert labels["care contrast"] == "Hot and cold shower"
    from backspasm.knowledge.texts import user_texts

    everything = " ".join(t.text for t in user_texts(KB)).lower()
    assert "warm and cold shower" not in everything and "contrast shower" not in everything


def test_a_second_name_is_refused_at_load() -> None:
    data = copy.deepcopy(KB.data)
    data["exports"]["report"]["care_kinds"]["contrast"] = "Warm and cold shower"
    problems = check_exports(Knowledge(version="t", data=data, directory=KB.directory))
    assert any("care_kinds.contrast" in p and "Hot and cold shower" in p for p in problems)


def test_the_emergency_department_is_named_by_region() -> None:
    """No text names A&E itself: it comes from regions.yaml ({emergency_department})."""
    import json

    for stem, content in KB.data.items():
        if stem not in ("regions", "sources"):  # sources.yaml describes NHS.UK's page
            assert "A&E" not in json.dumps(content), stem
