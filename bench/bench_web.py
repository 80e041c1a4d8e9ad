"""Benchmark: bytes per page (HTML + CSS + JS, uncompressed; target <= 60 KB each) and the
cost of a sign-in (argon2id) beside a session lookup.

Personal pages are read from ``backspasm serve`` on a temporary SQLite diary with an open
episode; the diary pages and sign-in from ``backspasm serve --multi-user`` with a 7-day
episode and 300 pain scores. Throughput, latency and CPU per request are measured by
``bench_speed.py``.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from _webbench import serve_process

PASSWORD = "correct horse battery"
LIMIT = 60 * 1024


def page_bytes(client: httpx.Client, path: str, method: str = "GET",
               data: dict | None = None) -> tuple[int, int]:
    """(HTML bytes, HTML + CSS + JS bytes) of one page."""
    r = client.request(method, path, data=data)
    r.raise_for_status()
    html = r.content
    total = len(html)
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        total += len(client.get(asset.decode()).content)
    return len(html), total


def _prepare(db: Path) -> None:
    """A personal diary with an episode 30 hours old, so /plan shows the full plan."""
    from backspasm.store import open_store

    with open_store(f"sqlite:///{db}") as store:
        pid = store.ensure_profile("local", tz="Europe/London").id
        store.start_episode(pid, onset=datetime.now(UTC) - timedelta(hours=30))


def personal_pages(base: str) -> list[tuple[str, int, int]]:
    with httpx.Client(base_url=base, follow_redirects=True) as c:
        pages = [("Start", *page_bytes(c, "/")), ("Learn", *page_bytes(c, "/learn"))]
        pages.append(("Question", *page_bytes(c, "/triage/start", "POST", {})))
        while (m := re.search(r"/triage/q/(\w+)$", str(c.get("/triage/next").url))):
            qid = m.group(1)
            value = {"age": "40", "onset": "30", "pain_now": "5", "pain_trend": "same",
                     "trigger": "lifting", "episodes_past_3_months": "1",
                     "leg_symptoms": "none", "leg_weakness": "none"}.get(qid, "no")
            c.post(f"/triage/q/{qid}", data={"answer": value})
        pages.append(("Check your answers", *page_bytes(c, "/triage/check")))
        pages.append(("Result", *page_bytes(c, "/triage/check", "POST", {})))
        pages.append(("My plan", *page_bytes(c, "/plan")))
        pages.append(("Timer", *page_bytes(c, "/timer/contrast")))
        pages.append(("API docs", *page_bytes(c, "/api/docs")))
        c.post("/triage/start", data={})
        c.post("/triage/q/chest_pain", data={"answer": "yes"})
        pages.append(("Emergency stop", *page_bytes(c, "/triage/stop")))
    return pages


def multi_user_pages(base: str) -> tuple[list[tuple[str, int, int]], float, float]:
    """Diary pages of a signed-in account with 300 scores; (pages, sign-in ms, session
    lookup ms)."""
    c = httpx.Client(base_url=base)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signup").text).group(1)
    c.post("/signup", data={"email": "bench@example.com", "password": PASSWORD,
                            "csrf_token": token})
    h = {"X-CSRF-Token": c.get("/api/v1/session").json()["csrf_token"]}
    now = datetime.now(UTC)
    c.post("/api/v1/episodes", headers=h,
           json={"onset": (now - timedelta(days=7)).isoformat()})
    for i in range(300):
        c.post("/api/v1/pain", headers=h, json={
            "score": i % 11, "at": (now - timedelta(minutes=30 * i + 1)).isoformat()})
    anon = httpx.Client(base_url=base)
    pages = [(path, *page_bytes(anon if path == "/signin" else c, path))
             for path in ("/diary", "/settings", "/privacy", "/privacy/delete", "/signin")]

    t = re.search(r'name="csrf_token" value="([^"]+)"', anon.get("/signin").text).group(1)
    n = 10
    start = time.perf_counter()
    for _ in range(n):
        anon.post("/signin", data={"email": "bench@example.com", "password": PASSWORD,
                                   "csrf_token": t}, follow_redirects=False)
        anon.cookies.delete("bs_session")
    signin_ms = (time.perf_counter() - start) / n * 1000
    start = time.perf_counter()
    for _ in range(n * 5):
        c.get("/api/v1/session")
    session_ms = (time.perf_counter() - start) / (n * 5) * 1000
    c.close()
    anon.close()
    return pages, signin_ms, session_ms


def main() -> int:
    tmp = Path(tempfile.mkdtemp())
    try:
        _prepare(tmp / "personal.db")
        with serve_process(tmp / "personal.db") as (base, _proc):
            pages = personal_pages(base)
        (tmp / "multi").mkdir()
        with serve_process(tmp / "multi" / "multi.db", "--multi-user") as (base, _proc):
            diary_pages, signin_ms, session_ms = multi_user_pages(base)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n### Web: bytes per page (uncompressed; target <= 60 KB)\n")
    print("| page | HTML (KB) | HTML + CSS + JS (KB) | within 60 KB |")
    print("|---|---:|---:|---|")
    for name, html, total in pages + diary_pages:
        print(f"| {name} | {html / 1024:.1f} | {total / 1024:.1f} | "
              f"{'yes' if total <= LIMIT else 'NO'} |")
    print("\n### Sign-in cost (sequential, one client)\n")
    print("| request | ms each | ratio |")
    print("|---|---:|---:|")
    print(f"| GET /api/v1/session (session lookup) | {session_ms:.1f} | 1 |")
    print(f"| POST /signin (argon2id verify) | {signin_ms:.1f} | "
          f"{signin_ms / session_ms:.0f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
