"""Memory under a bounded mixed soak (issue 10, finding 9); run by ``bench_speed.py``.

``backspasm serve --multi-user`` on a temporary SQLite diary; four client threads, each
signed in as its own account, loop over a mix of writes (pain, care, episodes), pages
(diary, plan, timer, learn, exports), the JSON API (status, triage, plan) and, now and
then, the PDF report and the calendar, for ``seconds`` (``BENCH_SOAK_SECONDS``, default 60;
the closing note of issue 10 used 600). Gives the server's RSS at the start, middle and end,
and the requests sent. A leak shows as RSS still climbing between middle and end.
"""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from _webbench import rss_mb, serve_process, settle

SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "60"))
CLIENTS = 4
PASSWORD = "correct horse battery"


def _client(base: str, n: int) -> tuple[httpx.Client, dict[str, str]]:
    c = httpx.Client(base_url=base, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signup").text).group(1)
    c.post("/signup", data={"email": f"soak{n}@example.com", "password": PASSWORD,
                            "csrf_token": token})
    return c, {"X-CSRF-Token": c.get("/api/v1/session").json()["csrf_token"]}


def _loop(base: str, n: int, stop: threading.Event, counts: list[int]) -> None:
    c, h = _client(base, n)
    i = 0
    while not stop.is_set():
        now = datetime.now(UTC)
        if i % 50 == 0:
            c.post("/api/v1/episodes/current/end", headers=h, json={})
            c.post("/api/v1/episodes", headers=h,
                   json={"onset": (now - timedelta(hours=30)).isoformat()})
        c.post("/api/v1/pain", headers=h, json={"score": i % 11, "note": f"soak {i}"})
        c.post("/api/v1/care", headers=h, json={"kind": "ice", "minutes": 20})
        for path in ("/diary", "/plan", "/timer/ice", "/learn", "/exports",
                     "/api/v1/status", "/api/v1/pain"):
            c.get(path)
        c.post("/api/v1/triage", json={"age": 40, "pain_now": i % 11})
        c.post("/api/v1/plan", json={"onset": (now - timedelta(hours=30)).isoformat(),
                                     "tz": "Europe/London"})
        sent = 12
        if i % 20 == 0:
            c.get("/export/report.pdf")
            c.get("/export/calendar.ics")
            sent += 2
        counts[n] += sent
        i += 1
    c.close()


def soak(tmp: Path, seconds: float = SECONDS) -> list[tuple[str, float, float, int]]:
    """(when, seconds, RSS MB, requests so far) at the start, middle and end of a soak
    against a new multi-user server on a SQLite diary in ``tmp``."""
    with serve_process(tmp / "soak.db", "--multi-user") as (base, proc):
        stop, counts = threading.Event(), [0] * CLIENTS
        threads = [threading.Thread(target=_loop, args=(base, n, stop, counts))
                   for n in range(CLIENTS)]
        settle(proc.pid)  # start-up done: what the server prepares after its first answer
        samples = [("start (idle)", 0.0, rss_mb(proc.pid), 0)]
        started = time.monotonic()
        try:
            for t in threads:
                t.start()
            for label, at in (("middle", seconds / 2), ("end", seconds)):
                time.sleep(max(0.0, started + at - time.monotonic()))
                samples.append((label, time.monotonic() - started, rss_mb(proc.pid),
                                sum(counts)))
        finally:
            stop.set()
            for t in threads:
                t.join()
    return samples
