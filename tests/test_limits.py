"""Limits (H28): no request changes a clinical duration, and the diary refuses a care
session longer than the protocol's longest (plan.yaml max_minutes), in the CLI (exit 2),
the Diary form (a field error) and the API (422 problem+json) — one check, core.limits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backspasm.core.limits import check_care_minutes, max_care_minutes
from backspasm.core.plan import PlanError
from backspasm.knowledge import load_knowledge
from web_helpers import make_client, text_of

BIN = Path(sys.executable).with_name("backspasm")
KB = load_knowledge()
LIMITS = {"ice": 20, "heat": 30, "contrast": 30}


def test_the_maxima_come_from_plan_yaml():
    assert {k: max_care_minutes(KB, k) for k in LIMITS} == LIMITS
    for kind in ("stretch", "medicine", "other", "sauna", 7):
        assert max_care_minutes(KB, kind) is None
    check_care_minutes(KB, "ice", 20)
    check_care_minutes(KB, "other", 600)
    with pytest.raises(PlanError) as err:
        check_care_minutes(KB, "ice", 21)
    assert str(err.value).startswith("minutes: expected at most 20 minutes for ice")


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKSPASM_DATABASE_URL": str(db)}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.mark.parametrize(("kind", "limit"), list(LIMITS.items()))
def test_cli_refuses_care_longer_than_the_protocol_allows(tmp_path, kind, limit):
    db = tmp_path / "d.db"
    r = _cli(db, "log", kind, "--minutes", str(limit + 1))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"Error: --minutes: expected at most {limit} minutes for {kind}")
    assert _cli(db, "log", kind, "--minutes", str(limit)).returncode == 0
    r = _cli(db, "log", "ice", "--minutes", "600")
    assert r.returncode == 2 and "at most 20" in r.stderr
    assert _cli(db, "log", "other", "--minutes", "600").returncode == 0


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path, timezone="Europe/London")


def test_diary_form_names_the_field_and_the_limit(client):
    r = client.post("/diary/care", data={"care_kind": "ice", "care_minutes": "600"})
    assert r.status_code == 422
    assert 'id="care_minutes-err"' in r.text and 'href="#care_minutes"' in r.text
    assert "Enter at most 20 minutes for ice" in text_of(r.text)
    pid = client.app.state.diary.local_profile_id()
    assert client.app.state.store.care_entries(pid) == []
    r = client.post("/diary/care", data={"care_kind": "heat", "care_minutes": "30"})
    assert r.status_code in (200, 303)
    assert len(client.app.state.store.care_entries(pid)) == 1


@pytest.mark.parametrize(("kind", "limit"), list(LIMITS.items()))
def test_api_refuses_care_longer_than_the_protocol_allows(client, kind, limit):
    r = client.post("/api/v1/care", json={"kind": kind, "minutes": limit + 1})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["field"] == "minutes" and f"at most {limit} minutes" in body["expected"]
    assert client.get("/api/v1/care").json()["care"] == []
    assert client.post("/api/v1/care", json={"kind": kind, "minutes": limit}).status_code == 201
