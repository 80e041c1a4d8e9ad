"""The diary store on SQLite and PostgreSQL: migrations, checks, scoping, export/import."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import inspect, text

from backspasm.store import (
    ConflictError,
    ImportFormatError,
    NotFoundError,
    StoreError,
    open_store,
)
from backspasm.store.models import metadata
from backspasm.store.schema import HEAD_REVISION, alembic_config, migrate, schema_revision

NOW = datetime.now(UTC).replace(microsecond=0)


def test_migrations_from_empty_database_match_the_models(db_url):
    with open_store(db_url) as s:
        assert schema_revision(s.engine) == HEAD_REVISION
        insp = inspect(s.engine)
        for table in metadata.sorted_tables:
            got = {c["name"] for c in insp.get_columns(table.name)}
            assert got == {c.name for c in table.columns}, table.name
            got_idx = {i["name"] for i in insp.get_indexes(table.name)}
            want_idx = {i.name for i in table.indexes}
            assert want_idx <= got_idx, table.name
    # Opening again applies nothing and keeps the data.
    with open_store(db_url) as s:
        p = s.create_profile()
        s.log_pain(p.id, score=3, at=NOW)
    with open_store(db_url) as s:
        assert migrate(s.engine) == []
        assert s.counts(p.id)["pain"] == 1


def test_times_come_back_aware_utc(store):
    p = store.create_profile(tz="Europe/Berlin")
    local = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))
    e = store.log_pain(p.id, score=4, at=local, note="after walking")
    [back] = store.pain_entries(p.id)
    assert back == e
    assert back.at.tzinfo is not None and back.at.utcoffset() == timedelta(0)
    assert back.at == local  # same instant
    assert back.at.hour == 8


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s, p: s.log_pain(p, score=11, at=NOW), "pain"),
        (lambda s, p: s.log_pain(p, score=-1, at=NOW), "pain"),
        (lambda s, p: s.log_pain(p, score=True, at=NOW), "pain"),
        (lambda s, p: s.log_pain(p, score=5, at=NOW + timedelta(hours=1)), "at"),
        (lambda s, p: s.log_pain(p, score=5, at=NOW.replace(tzinfo=None)), "at"),
        (lambda s, p: s.log_care(p, kind="massage", start=NOW), "kind"),
        (lambda s, p: s.log_care(p, kind="medicine", start=NOW), "medicine"),
        (lambda s, p: s.log_care(p, kind="ice", start=NOW, minutes=0), "minutes"),
        (lambda s, p: s.start_episode(p, onset=NOW + timedelta(days=1)), "onset"),
        (lambda s, p: s.start_episode(p, onset=NOW, trigger="yoga"), "trigger"),
        (lambda s, p: s.end_episode(p, at=NOW), "episode"),
        (lambda s, p: s.update_profile(p, tz="Mars/Olympus"), "tz"),
        (lambda s, p: s.update_profile(p, wake=time(22)), "wake"),  # = sleep
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(store, call, field):
    p = store.create_profile()
    before = store.export_profile(p.id)
    with pytest.raises(StoreError) as err:
        call(store, p.id)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: expected ")
    assert store.export_profile(p.id) == before


def test_episode_rules(store):
    p = store.create_profile()
    ep = store.start_episode(p.id, onset=NOW - timedelta(hours=30), trigger="lifting")
    assert store.current_episode(p.id) == ep
    with pytest.raises(ConflictError) as err:
        store.start_episode(p.id, onset=NOW)
    assert err.value.field == "episode"
    with pytest.raises(StoreError) as err:
        store.end_episode(p.id, at=NOW - timedelta(hours=31))
    assert err.value.field == "at" and "onset" in err.value.expected
    assert store.current_episode(p.id) == ep  # still open: nothing written
    ended = store.end_episode(p.id, at=NOW)
    assert ended.ended_at == NOW and store.current_episode(p.id) is None
    # A new one may start now.
    assert store.start_episode(p.id, onset=NOW).is_open


def test_the_database_itself_refuses_a_second_open_episode(store):
    from sqlalchemy.exc import IntegrityError

    p = store.create_profile()
    store.start_episode(p.id, onset=NOW)
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(text("INSERT INTO episodes (profile_id, onset) VALUES (:p, :t)"),
                     {"p": p.id, "t": NOW.replace(tzinfo=None)})


def test_every_read_is_scoped_to_the_profile(store):
    a = store.create_profile(key="a")
    b = store.create_profile(key="b")
    ep = store.start_episode(a.id, onset=NOW - timedelta(hours=2))
    store.log_pain(a.id, score=6, at=NOW)
    pain_b = store.log_pain(b.id, score=2, at=NOW)
    with pytest.raises(NotFoundError):
        store.get_episode(b.id, ep.id)
    with pytest.raises(NotFoundError):
        store.delete_entry(a.id, "pain", pain_b.id)
    assert store.current_episode(b.id) is None
    assert [x.score for x in store.pain_entries(b.id)] == [2]
    with pytest.raises(NotFoundError) as err:
        store.log_pain(9999, score=1, at=NOW)
    assert err.value.field == "profile"
    with pytest.raises(NotFoundError):
        store.get_episode(a.id, 424242)
    assert store.profile_by_key("a") == a
    with pytest.raises(ConflictError):
        store.create_profile(key="a")
    assert store.ensure_profile("a") == a


def _fill(store, pid):
    store.update_profile(pid, tz="America/New_York", wake=time(6, 30), sleep=time(23), age=44)
    store.start_episode(pid, onset=NOW - timedelta(days=20), trigger="twisting")
    store.end_episode(pid, at=NOW - timedelta(days=17))
    store.start_episode(pid, onset=NOW - timedelta(hours=50), trigger="lifting")
    for i in range(30):
        store.log_pain(pid, score=i % 11, at=NOW - timedelta(hours=i, microseconds=i),
                       note="ünïcode ✓" if i == 3 else None)
    store.log_care(pid, kind="ice", start=NOW - timedelta(hours=3), minutes=20)
    store.log_care(pid, kind="medicine", start=NOW - timedelta(hours=1), medicine="ibuprofen",
                   note="with food")
    store.save_triage(pid, answers={"age": 44, "pain_now": 6, "onset": "2026-01-01T10:00:00Z"},
                      level="consultation", rules=["lasting-over-72h"], knowledge_version="k1",
                      at=NOW - timedelta(hours=2), unsure=["numb_saddle", "bladder_retention"])


def test_export_import_export_is_lossless(store, db_url, tmp_path):
    p = store.create_profile()
    _fill(store, p.id)
    doc = json.loads(json.dumps(store.export_profile(p.id)))  # through real JSON
    assert doc["format"] == "backspasm-diary" and doc["version"] == 1
    assert len(doc["pain"]) == 30
    assert doc["triage"][0]["unsure"] == ["bladder_retention", "numb_saddle"]
    # Into an empty database (a fresh SQLite file): same document back.
    with open_store(f"sqlite:///{tmp_path / 'other.db'}") as other:
        q = other.create_profile()
        assert other.import_profile(q.id, doc)["pain"] == 30
        assert other.export_profile(q.id) == doc
    # And into an empty profile of the same database.
    q = store.create_profile()
    store.import_profile(q.id, doc)
    assert store.export_profile(q.id) == doc


def test_import_that_fails_changes_nothing(store):
    p = store.create_profile()
    _fill(store, p.id)
    doc = store.export_profile(p.id)
    q = store.create_profile(tz="Asia/Tokyo")
    store.log_pain(q.id, score=1, at=NOW)
    before = store.export_profile(q.id)
    # Not empty: refused whole.
    with pytest.raises(ConflictError):
        store.import_profile(q.id, doc)
    # The last item is bad: nothing of the good ones before it lands, even with replace.
    bad = json.loads(json.dumps(doc))
    bad["care"][-1]["kind"] = "massage"
    with pytest.raises(ImportFormatError) as err:
        store.import_profile(q.id, bad, replace=True)
    assert err.value.field == "care[1].kind"
    bad = json.loads(json.dumps(doc))
    bad["pain"][29]["score"] = 12
    with pytest.raises(ImportFormatError) as err:
        store.import_profile(q.id, bad, replace=True)
    assert err.value.field == "pain[29].score"
    for broken, field in [({**doc, "version": 99}, "version"), ({**doc, "extra": 1}, "extra"),
                          ({**doc, "pain": {}}, "pain"), ([], "document")]:
        with pytest.raises(ImportFormatError) as err:
            store.import_profile(q.id, broken, replace=True)
        assert err.value.field == field
    assert store.export_profile(q.id) == before
    # replace=True with a good document swaps the diary in one go.
    store.import_profile(q.id, doc, replace=True)
    assert store.export_profile(q.id) == doc


def test_import_that_fails_inside_the_database_rolls_back(store, monkeypatch):
    """A row the checks accept but the database refuses (two open episodes) undoes it all."""
    p = store.create_profile()
    doc = {"format": "backspasm-diary", "version": 1,
           "profile": {"tz": "UTC", "wake": "07:00", "sleep": "22:00", "region": "GB"},
           "pain": [{"at": (NOW - timedelta(minutes=i)).isoformat(), "score": 5}
                    for i in range(50)],
           "episodes": [{"onset": (NOW - timedelta(days=2)).isoformat()}]}
    store.import_profile(p.id, doc)
    assert store.counts(p.id)["pain"] == 50
    # Fault injection: let a second open episode past the checks; the database's unique
    # index refuses it, and the replace (delete + inserts) must roll back whole.
    doc2 = json.loads(json.dumps(doc))
    doc2["pain"] = doc2["pain"][:10]
    from backspasm.store import portable

    original = portable.parse_document

    def sneaky(d, now):  # the checks pass, the database's unique index does not
        parsed = original(d, now)
        parsed["episodes"].append(dict(parsed["episodes"][0]))
        return parsed

    monkeypatch.setattr(portable, "parse_document", sneaky)
    with pytest.raises(ImportFormatError) as err:
        store.import_profile(p.id, doc2, replace=True)
    assert err.value.field == "episodes"
    assert store.counts(p.id) == {"episodes": 1, "pain": 50, "care": 0, "triage": 0}


def test_forget_deletes_everything_of_the_profile_only(store):
    a = store.create_profile()
    b = store.create_profile()
    _fill(store, a.id)
    store.log_pain(b.id, score=2, at=NOW)
    counts = store.forget(a.id)
    assert counts["pain"] == 30 and counts["episodes"] == 2
    with pytest.raises(NotFoundError):
        store.get_profile(a.id)
    assert store.counts(b.id)["pain"] == 1


def test_status_and_diary_views(store):
    p = store.create_profile()
    _fill(store, p.id)
    data = store.status_data(p.id, pain_since=NOW - timedelta(hours=48),
                             episodes_since=NOW - timedelta(days=90))
    assert data.episode is not None and data.episode.trigger == "lifting"
    assert len(data.recent_episodes) == 2
    assert data.latest_pain is not None and data.latest_pain.at == NOW
    assert all(x.at >= NOW - timedelta(hours=48) for x in data.recent_pain)
    assert len(data.recent_pain) == 30
    assert data.latest_triage is not None and data.latest_triage.rules == ["lasting-over-72h"]
    d = store.diary(p.id, since=NOW - timedelta(hours=10), until=NOW + timedelta(seconds=1))
    assert [x.at for x in d.pain] == sorted(x.at for x in d.pain)
    assert len(d.pain) == 10 and len(d.care) == 2 and len(d.episodes) == 1


def test_triage_keeps_the_not_sure_answers(store):
    """H23/H17: "not sure" counted as yes, so it is saved with the record (sorted, once)."""
    p = store.create_profile()
    rec = store.save_triage(p.id, answers={"age": 40}, level="urgent", rules=["r"],
                            knowledge_version="k", at=NOW,
                            unsure=frozenset({"numb_saddle", "fever"}))
    assert rec.unsure == ["fever", "numb_saddle"]
    assert store.latest_triage(p.id).unsure == ["fever", "numb_saddle"]
    plain = store.save_triage(p.id, answers={}, level="self_care", rules=[],
                              knowledge_version="k", at=NOW + timedelta(seconds=1))
    assert plain.unsure == [] and store.triage_records(p.id)[-1].unsure == []
    for bad in ("fever", [1], None):
        with pytest.raises(StoreError) as err:
            store.save_triage(p.id, answers={}, level="x", rules=[], knowledge_version="k",
                              at=NOW, unsure=bad)
        assert err.value.field == "unsure"
    assert len(store.triage_records(p.id)) == 2


def test_an_export_without_unsure_still_imports(store):
    """Documents written before migration 0005 have no "unsure": they import as empty."""
    p = store.create_profile()
    _fill(store, p.id)
    doc = json.loads(json.dumps(store.export_profile(p.id)))
    for t in doc["triage"]:
        del t["unsure"]
    q = store.create_profile()
    assert store.import_profile(q.id, doc)["triage"] == 1
    assert store.triage_records(q.id)[0].unsure == []
    doc["triage"][0]["unsure"] = "numb_saddle"
    r = store.create_profile()
    with pytest.raises(ImportFormatError) as err:
        store.import_profile(r.id, doc)
    assert err.value.field == "triage[0].unsure"


def test_migration_0005_keeps_older_triage_records(db_url):
    """A database at 0004 with a triage row: after 0005 the row reads with unsure == []."""
    from alembic import command

    with open_store(db_url) as s:
        p = s.create_profile()
        s.save_triage(p.id, answers={"age": 50}, level="urgent", rules=["r"],
                      knowledge_version="k", at=NOW, unsure=["fever"])
        engine = s.engine
        with engine.begin() as conn:  # back to the schema before 0005, row kept
            command.downgrade(alembic_config(conn), "0004_web_journeys")
        assert "unsure" not in {c["name"] for c in inspect(engine).get_columns("triage_records")}
        assert migrate(engine) == ["0005_triage_unsure", "0006_profile_pseudonyms",
                                  "0007_profile_name_birth_date"]
    with open_store(db_url) as s:
        rec = s.latest_triage(p.id)
        assert rec.unsure == [] and rec.answers == {"age": 50} and rec.level == "urgent"
