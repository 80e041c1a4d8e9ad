"""API rules the schemathesis run relies on, one by one (issue 10): 415 without JSON,
``Allow`` lists every method of a path, ``Origin: null`` on a write is cross-site, the
document states the range, region, medicine and not-in-the-future rules."""

from __future__ import annotations

import pytest

from web_helpers import make_client


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", None])
def test_json_bodies_need_the_json_media_type(client, ctype):
    headers = {"content-type": ctype} if ctype else {}
    for path in ("/api/v1/pain", "/api/v1/triage", "/api/v1/plan"):
        r = client.post(path, content=b'{"score": 3}', headers=headers)
        assert r.status_code == 415, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/pain").json()["pain"] == []
    ok = client.post("/api/v1/pain", content=b'{"score": 3}',
                     headers={"content-type": "application/json; charset=utf-8"})
    assert ok.status_code == 201


@pytest.mark.parametrize(("path", "allow"), [
    ("/api/v1/pain", "GET, HEAD, POST"), ("/api/v1/episodes/7", "GET, HEAD"),
    ("/api/v1/care/7", "DELETE"), ("/api/v1/triage", "POST")])
def test_a_405_lists_every_method_of_the_path(client, path, allow):
    r = client.options(path)
    assert r.status_code == 405 and r.headers["allow"] == allow


def test_origin_null_on_a_write_is_cross_site(client):
    r = client.post("/api/v1/pain", json={"score": 3}, headers={"Origin": "null"})
    assert r.status_code == 403
    r = client.post("/diary/pain", data={"score": "5"}, headers={"Origin": "null"})
    assert r.status_code == 403
    assert client.get("/api/v1/pain").json()["pain"] == []
    # Our own pages send their real origin (Referrer-Policy: same-origin).
    assert client.get("/").headers["referrer-policy"] == "same-origin"
    r = client.post("/api/v1/pain", json={"score": 3}, headers={"Origin": "http://127.0.0.1"})
    assert r.status_code == 201


def test_the_document_states_what_the_server_enforces(client):
    spec = client.get("/api/openapi.json").json()
    paths = spec["paths"]
    pain = paths["/api/v1/pain"]["post"]["requestBody"]["content"]["application/json"]
    at = pain["schema"]["properties"]["at"]
    assert at["format"] == "date-time" and at["pattern"] == "^(19[0-9]{2}|20[0-9]{2}|2100)-"
    assert at["x-not-after"] == "now" and "not in the future" in at["description"]
    region = next(p for p in paths["/api/v1/triage"]["post"]["parameters"]
                  if p["name"] == "region")
    regions = client.app.state.kb.data["regions"]["regions"]
    assert region["schema"]["enum"] == [r["id"] for r in regions] and "GB" in regions[0]["id"]
    care = paths["/api/v1/care"]["post"]["requestBody"]["content"]["application/json"]
    rule = care["schema"]["oneOf"]
    assert rule[0]["properties"]["kind"] == {"const": "medicine"}
    assert rule[0]["required"] == ["kind", "medicine"]
    assert rule[1]["properties"]["medicine"] == {"type": "null"}
    plan = paths["/api/v1/plan"]["post"]["requestBody"]["content"]["application/json"]
    assert "Europe/London" in plan["schema"]["properties"]["tz"]["enum"]
    ep = next(p for p in paths["/api/v1/episodes/{episode_id}"]["get"]["parameters"])
    assert ep["schema"]["maximum"] == 2**63 - 1
