"""Helpers for the web tests: an app on a fresh SQLite file, and a walk through triage."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from backspasm.web.app import create_app
from backspasm.web.settings import Settings

#: A self-care journey: no warning signs, 30 hours since onset.
SELF_CARE = {
    "chest_pain": "no", "fainting_or_collapse": "no", "saddle_numbness": "no",
    "bladder_bowel_change": "no", "sexual_function_change": "no", "leg_symptoms": "none",
    "leg_weakness": "none", "serious_accident": "no", "age": "40", "pregnant": "no",
    "onset": "30", "pain_now": "5", "pain_trend": "same", "trigger": "lifting",
    "episodes_past_3_months": "1",
}


#: Where the test client sends its requests: personal mode answers only loopback names.
LOCAL_URL = "http://127.0.0.1"
#: The public address multi-user test apps are given (``--public-url``).
PUBLIC_URL = "http://backspasm.test"


def client_for(app: Any) -> TestClient:
    """A test client whose ``Host`` is one the app answers."""
    settings = app.state.settings
    return TestClient(app, base_url=settings.public_url or LOCAL_URL)


def make_client(tmp_path: Path, **settings: Any) -> TestClient:
    if settings.get("multi_user"):
        settings.setdefault("public_url", PUBLIC_URL)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", **settings))
    return client_for(app)


def question_id(url: Any) -> str | None:
    m = re.search(r"/triage/q/(\w+)$", str(url).split("?")[0])
    return m.group(1) if m else None


def walk(client: TestClient, answers: dict[str, str], default: str = "no") -> tuple[Any, list[str]]:
    """Start a journey and answer every question asked; return the last response and the
    question ids in the order they were asked."""
    response = client.post("/triage/start", data={"csrf_token": ""})
    asked: list[str] = []
    while (qid := question_id(response.url)) is not None:
        assert qid not in asked, f"question {qid} asked twice"
        asked.append(qid)
        response = client.post(f"/triage/q/{qid}", data={"answer": answers.get(qid, default)})
        assert response.status_code == 200, response.text
    return response, asked


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def follow(client: TestClient, method: str, url: str, max_hops: int = 4,
           **kw: Any) -> tuple[Any, list[str]]:
    """Send a request and follow its redirects by hand: the final response (which must be
    200) and every path visited. A redirect loop, or more than ``max_hops``, fails."""
    response = client.request(method, url, follow_redirects=False, **kw)
    seen = [url]
    while response.is_redirect:
        url = response.headers["location"]
        assert url not in seen, f"redirect loop: {' -> '.join([*seen, url])}"
        seen.append(url)
        assert len(seen) <= max_hops + 1, f"too many redirects: {seen}"
        response = client.get(url, follow_redirects=False)
    assert response.status_code == 200, (seen, response.status_code)
    return response, seen


def transactions_of(client: TestClient, path: str) -> int:
    """How many transactions the app's database engine begins for one GET of ``path``."""
    from sqlalchemy import event

    begun: list[object] = []

    def count(conn: object) -> None:
        begun.append(conn)

    engine = client.app.state.store.engine  # type: ignore[attr-defined]
    event.listen(engine, "begin", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "begin", count)
    return len(begun)


def works_pages_out(client: TestClient) -> TestClient:
    """Keep no page (web/kept.py; ``serve --fresh-pages``), for a test that counts what
    working a page out reads. Before the app's first page."""
    from dataclasses import replace

    app: Any = client.app
    app.state.settings = replace(app.state.settings, keep_pages=False)
    return client
