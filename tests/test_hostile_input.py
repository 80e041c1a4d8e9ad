"""Hostile input gets a clear 4xx naming the field (problem+json in the API, one ``Error:``
line and exit 2 in the CLI), never a 500 or a traceback, and the diary is unchanged
(issue 10, finding 4)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from backspasm.web.api.bodies import json_object
from backspasm.web.errors import BadInput
from web_helpers import LOCAL_URL, make_client

PROBLEM = "application/problem+json"
EARLY, LATE = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"
BIG = "9223372036854775808"  # 2**63: one more than a database id can be
DEEP = "[" * 32_000 + "]" * 32_000  # under the 64 KB body limit


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    client = make_client(tmp_path_factory.mktemp("hostile"))
    client = TestClient(client.app, base_url=LOCAL_URL, raise_server_exceptions=False)
    assert client.post("/api/v1/episodes", json={"trigger": "lifting"}).status_code == 201
    assert client.post("/api/v1/pain", json={"score": 5, "note": "ok"}).status_code == 201
    assert client.post("/api/v1/care", json={"kind": "ice", "minutes": 20}).status_code == 201
    return client


def _diary(client: TestClient) -> list:
    return [client.get(p).json() for p in ("/api/v1/episodes", "/api/v1/pain", "/api/v1/care")]


def _json(body: str) -> dict:
    return {"content": body.encode("utf-8", "surrogatepass"),
            "headers": {"content-type": "application/json"}}


CASES = [  # method, path, request keywords, status, field
    ("POST", "/api/v1/pain", {"json": {"score": 2, "at": EARLY}}, 422, "at"),
    ("POST", "/api/v1/pain", {"json": {"score": 2, "at": LATE}}, 422, "at"),
    ("GET", "/api/v1/pain", {"params": {"until": LATE}}, 422, "until"),
    ("GET", "/api/v1/pain", {"params": {"since": EARLY}}, 422, "since"),
    ("POST", "/api/v1/care", {"json": {"kind": "ice", "start": EARLY}}, 422, "start"),
    ("GET", "/api/v1/care", {"params": {"until": LATE}}, 422, "until"),
    ("POST", "/api/v1/episodes", {"json": {"onset": EARLY}}, 422, "onset"),
    ("POST", "/api/v1/episodes/current/end", {"json": {"at": EARLY}}, 422, "at"),
    ("POST", "/api/v1/episodes/current/end", {"json": {"at": LATE}}, 422, "at"),
    ("POST", "/api/v1/plan", {"json": {"onset": EARLY, "tz": "UTC"}}, 422, "onset"),
    ("POST", "/api/v1/plan", {"json": {"onset": "2026-01-01T00:00:00Z", "now": LATE,
                                       "tz": "UTC"}}, 422, "now"),
    ("POST", "/api/v1/triage", {"json": {"onset": EARLY}}, 422, "onset"),
    ("POST", "/api/v1/triage", {"json": {"now": LATE}}, 422, "now"),
    ("GET", f"/api/v1/episodes/{BIG}", {}, 404, "episode"),
    ("DELETE", f"/api/v1/pain/{BIG}", {}, 404, "entry"),
    ("DELETE", f"/api/v1/care/{BIG}0000", {}, 404, "entry"),
    ("POST", "/api/v1/pain", _json(DEEP), 422, "body"),
    ("POST", "/api/v1/triage", _json(DEEP), 422, "body"),
    ("POST", "/api/v1/plan", _json('{"onset":' + DEEP + "}"), 422, "body"),
    ("POST", "/api/v1/pain", _json('{"score": 2, "note": "\\ud800"}'), 422, "note"),
    ("POST", "/api/v1/care", _json('{"kind": "medicine", "medicine": "a\\udc00"}'), 422,
     "medicine"),
    ("POST", "/api/v1/episodes", _json('{"trigger": "\\ud800"}'), 422, "trigger"),
    ("POST", "/api/v1/pain", _json('{"score": 2, "note": "a\\u0000b"}'), 422, "note"),
    # the parser reads UTF-16 too: its escapes are not the bytes "\u" of UTF-8
    ("POST", "/api/v1/pain", {"content": '{"score": 2, "note": "a\\u0000b"}'.encode(
        "utf-16"), "headers": {"content-type": "application/json"}}, 422, "note"),
    ("POST", "/api/v1/episodes", {"content": '{"trigger": "\\ud800"}'.encode("utf-16-le"),
                                  "headers": {"content-type": "application/json"}}, 422,
     "trigger"),
]


@pytest.mark.parametrize(("method", "path", "kw", "status", "field"), CASES,
                         ids=[f"{c[0]} {c[1][:30]} {c[4]}" for c in CASES])
def test_hostile_api_input_is_a_problem_naming_the_field(api, method, path, kw, status, field):
    before = _diary(api)
    r = api.request(method, path, **kw)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == field and field in r.json()["detail"]
    assert _diary(api) == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize(("text", "field"), [('{"note": "a\\u0000b"}', "note"),
                                             ('{"x": {"\\ud800": 1}}', "x.\ud800"),
                                             ('{"x": ["ok", "\\udfff"]}', "x.1")])
def test_the_body_reader_refuses_nul_and_surrogates_in_every_encoding(text, field, encoding):
    # The JSON parser reads UTF-16 and UTF-32 too, where an escape is not the bytes "\u".
    body = text.encode(encoding)

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    request = Request({"type": "http", "method": "POST", "path": "/", "query_string": b"",
                       "headers": [(b"content-type", b"application/json")]}, receive)
    def read() -> None:  # on a thread of its own: a loop may run on this one already
        asyncio.run(json_object(request))

    with pytest.raises(BadInput) as caught, ThreadPoolExecutor(1) as pool:
        pool.submit(read).result()
    assert caught.value.field == field


def test_a_nul_is_named_as_such(api):
    r = api.post("/api/v1/pain", **_json('{"score": 2, "note": "a\\u0000b"}'))
    assert "NUL" in r.json()["detail"]
    r = api.post("/api/v1/pain", **_json('{"score": 2, "note": "\\ud800"}'))
    assert "surrogate" in r.json()["detail"]


def test_huge_ids_in_pages_and_downloads_are_404(api):
    before = _diary(api)
    for path in (f"/export/report.pdf?episode={BIG}", f"/diary/episodes/{BIG}",
                 f"/export/fhir.json?episode={BIG}"):
        assert api.get(path).status_code == 404, path
    assert _diary(api) == before


# --- the CLI ---------------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backspasm", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.fixture
def diary(tmp_path):
    db = str(tmp_path / "cli.db")
    assert _cli("episode", "start", "--db", db).returncode == 0
    assert _cli("log", "pain", "5", "--db", db).returncode == 0
    return db


def _export(db: str, tmp_path) -> dict:
    out = tmp_path / "snapshot.json"
    assert _cli("export", "--json", str(out), "--db", db).returncode == 0
    doc = json.loads(out.read_text())
    doc.pop("exported_at", None)
    return doc


@pytest.mark.parametrize("args", [
    ["log", "pain", "2", "--at", EARLY], ["log", "pain", "2", "--at", LATE],
    ["log", "ice", "--at", EARLY], ["episode", "end", "--at", EARLY],
    ["export", "fhir", "-", "--episode", BIG], ["report", "out.pdf", "--episode", BIG],
    ["export", "ics", "-", "--now", LATE],
], ids=lambda a: " ".join(a[:2]) + " " + a[-1][:8])
def test_hostile_cli_input_is_one_line_and_exit_2(diary, tmp_path, args):
    before = _export(diary, tmp_path)
    r = _cli(*args, "--db", diary)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr
    assert _export(diary, tmp_path) == before


@pytest.mark.parametrize("note", ["\ud800", "a\x00b"])
def test_an_import_with_hostile_text_or_dates_changes_nothing(diary, tmp_path, note):
    before = _export(diary, tmp_path)
    for change in ({"note": note}, {"at": EARLY}):
        doc = json.loads(json.dumps(before))
        doc["pain"][0].update(change)
        bad = tmp_path / "bad.json"
        bad.write_bytes(json.dumps(doc).encode())
        r = _cli("import", str(bad), "--replace", "--db", diary)
        assert r.returncode == 2 and r.stderr.startswith("Error: ") and "Traceback" not in r.stderr
        assert _export(diary, tmp_path) == before


@pytest.mark.parametrize("content", [b"\x00\x01not sqlite" * 300, b"hello, world\n", None])
@pytest.mark.parametrize("command", [["status"], ["log", "pain", "3"], ["forget", "--yes"],
                                     ["export", "--json", "-"]])
def test_a_db_that_is_not_a_database_is_named_and_left_alone(tmp_path, content, command):
    target = tmp_path / "not-a-diary.db"
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
        target.chmod(0o644)
    r = _cli(*command, "--db", str(target))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("Error: --db: ") and str(target) in r.stderr
    assert r.stderr.count("\n") == 1
    if content is not None:
        assert target.read_bytes() == content and (target.stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-diary.db"]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/triage", b'{"chest_pain": true, "chest_pain": false}', "chest_pain"),
    ("/api/v1/triage", b'{"age": 40, "bladder_bowel_change": true, "age": 41,'
                       b' "bladder_bowel_change": false}', "age"),
    ("/api/v1/pain", b'{"score": 9, "score": 2}', "score"),
])
def test_a_field_given_twice_is_refused_never_the_last_kept(api, path, body, field):
    # The parser keeps the last: {"chest_pain": true, "chest_pain": false} read as no sign.
    before = _diary(api)
    r = api.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == field and "more than once" in r.json()["detail"]
    assert _diary(api) == before


@pytest.mark.parametrize(("args", "text", "message"), [
    (["triage", "--answers", "-", "--json"], '{"chest_pain": true, "chest_pain": false}',
     "chest_pain: given more than once"),
    (["import", "-"], '{"format": "backspasm-diary", "format": "x", "version": 1}',
     "FILE: the field format is given more than once"),
])
def test_the_cli_refuses_a_field_given_twice(tmp_path, args, text, message):
    db = f"sqlite:///{tmp_path / 'd.db'}"
    r = subprocess.run([sys.executable, "-m", "backspasm", *args, "--db", db], input=text,
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "NO_COLOR": "1"})
    assert r.returncode == 2 and r.stdout == "", (r.stdout, r.stderr)
    assert r.stderr.startswith("Error: " + message) and r.stderr.count("\n") == 1, r.stderr


@pytest.mark.parametrize("url", ["foo://bar", "mysql://ann:secret@db.example/diary",
                                 "mongodb://localhost/x"])
@pytest.mark.parametrize("command", [["status"], ["log", "pain", "3"], ["report", "-"]])
def test_a_database_url_of_another_kind_is_one_clear_line(url, command):
    # Not a missing driver ("No module named 'MySQLdb'") nor exit 1: bad input, exit 2.
    r = _cli(*command, "--db", url)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("Error: --db: ") and "expected a file path, sqlite:///FILE or " \
        "postgresql://" in r.stderr
    assert "secret" not in r.stderr and "Traceback" not in r.stderr
