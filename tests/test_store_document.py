"""The export document: its JSON Schema (structure) and the import's checks in code (meaning).

An import is refused whole, with the field at fault named as ``pain[12].score``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from backspasm.store import ImportFormatError, open_store
from backspasm.store.document import SHAPE_DEPTH, export_schema

NOW = datetime.now(UTC).replace(microsecond=0)


def _iso(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")


def _fill(store: Any, pid: int) -> None:
    """A diary with something in every list and every optional field used once."""
    store.update_profile(pid, region="GB", age=47, wake=time(6, 30))
    store.start_episode(pid, onset=NOW - timedelta(days=20), trigger="lifting")
    store.end_episode(pid, at=NOW - timedelta(days=18))
    store.start_episode(pid, onset=NOW - timedelta(hours=30))
    for i in range(12):
        store.log_pain(pid, score=i % 11, at=NOW - timedelta(hours=i), note="walk" if i else None)
    store.log_care(pid, kind="heat", start=NOW - timedelta(hours=5), minutes=15, note="bath")
    store.log_care(pid, kind="medicine", start=NOW - timedelta(hours=4), medicine="ibuprofen")
    store.save_triage(pid, answers={"age": 47, "pain_now": 6, "onset": _iso(30)},
                      level="consultation", rules=["lasting-over-72h"], knowledge_version="k1",
                      at=NOW - timedelta(hours=2), unsure=["fever"])


def test_the_schema_is_valid_json_schema():
    Draft202012Validator.check_schema(export_schema())


def test_the_export_of_a_real_diary_matches_the_schema(store):
    validator = Draft202012Validator(export_schema())
    p = store.create_profile(tz="Europe/London")
    validator.validate(json.loads(json.dumps(store.export_profile(p.id))))  # empty diary
    _fill(store, p.id)
    doc = json.loads(json.dumps(store.export_profile(p.id)))
    assert len(doc["pain"]) == 12 and doc["triage"][0]["unsure"] == ["fever"]
    validator.validate(doc)
    assert sorted(doc) == sorted(export_schema()["properties"])


def test_the_item_schemas_only_fix_structure():
    """The import validates one item of each shape (speed): that is only right while the
    item schemas look at keys and JSON types, no deeper than ``SHAPE_DEPTH`` levels."""
    structural = {"title", "description", "type", "format", "properties", "required",
                  "additionalProperties", "items", "$ref"}
    defs = export_schema()["$defs"]

    def depth(schema: dict[str, Any]) -> int:
        assert set(schema) <= structural, sorted(set(schema) - structural)
        if "$ref" in schema:
            return depth(defs[schema["$ref"].removeprefix("#/$defs/")])
        inner = [*schema.get("properties", {}).values(),
                 *([schema["items"]] if "items" in schema else [])]
        return 1 + max((depth(x) for x in inner), default=0)

    for name in ("episode", "pain", "care", "triage"):
        assert depth(defs[name]) <= SHAPE_DEPTH, name


def _good() -> dict[str, Any]:
    return {
        "format": "backspasm-diary", "version": 1,
        "profile": {"tz": "UTC", "wake": "07:00", "sleep": "22:00", "region": None},
        "episodes": [{"onset": _iso(50), "ended_at": None, "trigger": None}],
        "pain": [{"at": _iso(i), "score": 5, "note": None} for i in range(30)],
        "care": [{"kind": "ice", "start": _iso(3), "minutes": 10, "medicine": None,
                  "note": None},
                 {"kind": "medicine", "start": _iso(2), "minutes": None,
                  "medicine": "paracetamol", "note": None}],
        "triage": [{"at": _iso(1), "answers": {"age": 40}, "level": "self_care",
                    "rules": ["r"], "knowledge_version": "k", "unsure": []}],
    }


def _set(path: tuple[Any, ...], value: Any):
    def change(doc: dict[str, Any]) -> Any:
        *parents, last = path
        target = doc
        for p in parents:
            target = target[p]
        target[last] = value
        return doc
    return change


def _drop(path: tuple[Any, ...]):
    def change(doc: dict[str, Any]) -> Any:
        *parents, last = path
        target = doc
        for p in parents:
            target = target[p]
        del target[last]
        return doc
    return change


def _both(*changes):
    def change(doc: dict[str, Any]) -> Any:
        for c in changes:
            doc = c(doc)
        return doc
    return change


BAD = [
    # structure (the JSON Schema)
    ("not an object", lambda d: [d], "document", "a JSON object"),
    ("format", _set(("format",), "backspasm"), "format", '"backspasm-diary"'),
    ("version as text", _set(("version",), "1"), "version", "1"),
    ("unknown top field", _set(("notes",), []), "notes", "no such field in a diary export"),
    ("no profile", _drop(("profile",)), "profile", "a value (it is required)"),
    ("no time zone", _drop(("profile", "tz")), "profile.tz", "a value (it is required)"),
    ("unknown profile field", _set(("profile", "colour"), "red"), "profile.colour",
     "no such field"),
    ("wake as a number", _set(("profile", "wake"), 7), "profile.wake",
     "a time of day such as 07:00"),
    ("a list that is not", _set(("episodes",), {}), "episodes", "a list"),
    ("onset as a number", _set(("episodes", 0, "onset"), 1767225600), "episodes[0].onset",
     "an RFC 3339 date-time string"),
    ("score as text, late in the list", _set(("pain", 17, "score"), "7"), "pain[17].score",
     "a whole number"),
    ("the first of two alike", _both(_set(("pain", 25, "score"), "x"),
                                     _set(("pain", 21, "score"), "y")), "pain[21].score",
     "a whole number"),
    ("item not an object", _set(("care", 1), "ice"), "care[1]", "a JSON object"),
    ("no start", _drop(("care", 0, "start")), "care[0].start", "a value (it is required)"),
    ("unknown item field", _set(("care", 0, "colour"), "blue"), "care[0].colour",
     "no such field"),
    ("rule id as a number", _set(("triage", 0, "rules"), ["r", 3]), "triage[0].rules[1]",
     "a rule id"),
    ("answers as a list", _set(("triage", 0, "answers"), []), "triage[0].answers",
     "a JSON object"),
    # meaning (checks in code)
    ("unknown time zone", _set(("profile", "tz"), "Mars/Olympus"), "profile.tz",
     "an IANA time zone name"),
    ("score out of range", _set(("pain", 4, "score"), 11), "pain[4].score",
     "a whole number from 0 to 10"),
    ("in the future", _set(("pain", 2, "at"), _iso(-5)), "pain[2].at",
     "a time that is not in the future"),
    ("end before onset", _set(("episodes", 0, "ended_at"), _iso(60)), "episodes[0].ended_at",
     "a time after the onset"),
    ("unknown care kind", _set(("care", 0, "kind"), "massage"), "care[0].kind", "one of ice"),
    ("two open episodes", lambda d: {**d, "episodes": d["episodes"] * 2}, "episodes",
     "at most one open episode"),
]


@pytest.mark.parametrize(("change", "field", "expected"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_a_bad_document_is_refused_whole_naming_the_field(sqlite_url, change, field, expected):
    with open_store(sqlite_url) as store:
        p = store.create_profile(tz="Asia/Tokyo")
        store.import_profile(p.id, _good())  # the good document imports
        before = store.export_profile(p.id)
        with pytest.raises(ImportFormatError) as err:
            store.import_profile(p.id, change(_good()), replace=True)
        assert err.value.field == field
        assert str(err.value).startswith(f"{field}: expected {expected}"), str(err.value)
        assert store.export_profile(p.id) == before


def test_only_an_import_loads_jsonschema(sqlite_url):
    """jsonschema costs ~100 ms to import: opening, logging and exporting go without it."""
    code = (
        "import sys, json; from datetime import datetime, UTC;"
        "from backspasm.store import open_store;"
        f"s = open_store({sqlite_url!r}); p = s.create_profile();"
        "s.log_pain(p.id, score=3, at=datetime.now(UTC)); doc = s.export_profile(p.id);"
        "before = 'jsonschema' in sys.modules;"
        "s.import_profile(s.create_profile().id, json.loads(json.dumps(doc)));"
        "print(before, 'jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "True"], out.stderr
