"""``POST /api/v1/triage`` answered before the router in personal mode
(``web/api/triage.py``, ``TriageFirst``): every answer, result or refusal, is the one the
route gives, byte for byte, with the same headers; nothing is answered ahead of the guard
or of a dependency the app's router has."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

import backspasm.web.api.triage as api
from test_vignettes import CASES
from web_helpers import make_client

#: Refusals and odd requests: each must get the route's own answer.
ODD: list[tuple[str, dict[str, Any]]] = [
    ("", {"content": b'{"chest_pain": "yes"}'}),
    ("", {"content": b'{"pain_now": 11}'}),
    ("", {"content": b'{"paint_now": 3}'}),
    ("", {"content": b'{"chest_pain": true, "chest_pain": false}'}),
    ("", {"content": b"[1, 2]"}),
    ("", {"content": b"{not json"}),
    ("", {"content": b'{"onset": "2026-11-25T06:00:00+00:00", "now": "2026-11-25T05:00:00Z"}'}),
    ("", {"content": b"{}", "headers": {"content-type": "text/plain"}}),
    ("", {"content": b"{}", "headers": {"origin": "https://evil.example"}}),
    ("", {"content": b"[" * 200 + b"]" * 200}),
    ("", {"content": b'{"note": "a\\u0000"}'}),
    ("?region=XX", {"content": b"{}"}),
    ("?region=us", {"content": b'{"chest_pain": true}'}),
    ("?region=EU&region=US", {"content": b"{}"}),
    ("?region=" + "G" * 300, {"content": b"{}"}),
]


def _without_it(client: TestClient) -> TestClient:
    app = client.app
    app.user_middleware = [m for m in app.user_middleware if m.cls is not api.TriageFirst]
    app.middleware_stack = None  # built again on the next request
    return client


def _post(client: TestClient, query: str, kw: dict[str, Any]) -> tuple[int, bytes, dict]:
    kw = {**kw, "headers": {"content-type": "application/json", **kw.get("headers", {})}}
    r = client.post("/api/v1/triage" + query, **kw)
    headers = {k: v for k, v in r.headers.items() if k != "date"}
    return r.status_code, r.content, headers


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[TestClient, TestClient]:
    first = make_client(tmp_path_factory.mktemp("first"))
    route = _without_it(make_client(tmp_path_factory.mktemp("route")))
    assert any(m.cls is api.TriageFirst for m in first.app.user_middleware)
    return first, route


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_every_vignette_gets_the_routes_answer(pair, case):
    import json

    first, route = pair
    kw = {"content": json.dumps(case["answers"]).encode()}
    got = _post(first, "", kw)
    if case["expected"] == "error":
        assert got[0] == 422
    else:
        assert got[0] == 200 and json.loads(got[1])["level"] == case["expected"]
    assert got == _post(route, "", kw)


@pytest.mark.parametrize(("query", "kw"), ODD, ids=[repr(k)[:40] + q[:12] for q, k in ODD])
def test_every_refusal_is_the_routes_own(pair, query, kw):
    first, route = pair
    got = _post(first, query, kw)
    assert got == _post(route, query, kw)


def test_a_result_is_answered_before_the_router_and_a_refusal_by_the_route(tmp_path):
    client = make_client(tmp_path)
    app = client.app
    served: list[str] = []
    stack = app.build_middleware_stack()
    inner = stack  # down the middleware to the one that calls the router
    while getattr(inner, "app", None) is not app.router:
        inner = inner.app
    router = inner.app

    async def on_the_way(scope, receive, send):  # the router, seen from outside
        served.append(scope["path"])
        await router(scope, receive, send)

    inner.app = on_the_way
    app.middleware_stack = stack
    assert client.post("/api/v1/triage", json={"pain_now": 4}).status_code == 200
    assert served == []
    r = client.post("/api/v1/triage", json={"pain_now": 40})
    assert r.status_code == 422 and r.json()["field"] == "pain_now"
    assert served == ["/api/v1/triage"]
    assert client.get("/api/v1/triage").status_code == 405  # not a POST: the router's
    assert served == ["/api/v1/triage"] * 2


def test_nothing_is_answered_ahead_of_a_dependency_of_the_router(tmp_path, monkeypatch):
    client = make_client(tmp_path)
    called: list[int] = []

    async def answered(request):
        called.append(1)
        return await original(request)

    original = api.api_triage
    monkeypatch.setattr(api, "api_triage", answered)  # what TriageFirst calls
    assert client.post("/api/v1/triage", json={}).status_code == 200 and called == [1]

    async def guard() -> None:
        return None

    client.app.router.dependencies.append(Depends(guard))
    assert client.post("/api/v1/triage", json={}).status_code == 200 and called == [1]


def test_multi_user_mode_has_no_way_around_the_router(tmp_path):
    client = make_client(tmp_path, multi_user=True)
    assert not any(m.cls is api.TriageFirst for m in client.app.user_middleware)
