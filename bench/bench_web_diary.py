"""Benchmark: the diary pages and API beside a static asset, served by the same app in one
run; the cost of a sign-in (argon2id) beside a session lookup; bytes per page.

The app runs under uvicorn (``backspasm serve --multi-user``) on a temporary SQLite diary
with a 7-day episode and 300 pain scores; ``wrk`` (Debian) drives it on loopback with 50
connections. Ratios, not absolute numbers, are what carry over to another machine.
"""

from __future__ import annotations

import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from _webbench import CONNECTIONS, run, wrk

DURATION = os.environ.get("BENCH_DURATION", "5s")
PASSWORD = "correct horse battery"


def main() -> int:
    return run(_measure, "--multi-user")


def _measure(base: str, tmp: Path) -> None:
    """Measure the server at ``base`` and print the tables."""
    c = httpx.Client(base_url=base)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signup").text).group(1)
    c.post("/signup", data={"email": "bench@example.com", "password": PASSWORD,
                            "csrf_token": token})
    csrf = c.get("/api/v1/session").json()["csrf_token"]
    h = {"X-CSRF-Token": csrf}
    now = datetime.now(UTC)
    c.post("/api/v1/episodes", headers=h,
           json={"onset": (now - timedelta(days=7)).isoformat()})
    for i in range(300):
        c.post("/api/v1/pain", headers=h, json={
            "score": i % 11, "at": (now - timedelta(minutes=30 * i + 1)).isoformat()})
    cookie = f"bs_session={c.cookies['bs_session']}"

    script = tmp / "post.lua"
    script.write_text('wrk.method = "POST"\nwrk.body = \'{"score": 4}\'\n'
                      'wrk.headers["Content-Type"] = "application/json"\n'
                      f'wrk.headers["X-CSRF-Token"] = "{csrf}"\n')
    rows = [("GET /static/bs.css (baseline)", *wrk(base + "/static/bs.css", DURATION, cookie)),
            ("GET /diary (300 scores, chart)", *wrk(base + "/diary", DURATION, cookie)),
            ("GET /api/v1/status", *wrk(base + "/api/v1/status", DURATION, cookie)),
            ("POST /api/v1/pain", *wrk(base + "/api/v1/pain", DURATION, cookie, script))]
    static = rows[0][1]
    print(f"\n### Diary pages and API ({CONNECTIONS} connections, {DURATION} each, "
          "1 worker, SQLite)\n")
    print("| request | requests/s | p99 ms | vs static |")
    print("|---|---:|---:|---:|")
    for name, rps, p99 in rows:
        print(f"| {name} | {rps:,.0f} | {p99:.1f} | {rps / static:.1%} |")

    # Sign-in (argon2id verify) against a request that only looks the session up.
    anon = httpx.Client(base_url=base)
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
    print("\n### Sign-in cost (sequential, one client)\n")
    print("| request | ms each | ratio |")
    print("|---|---:|---:|")
    print(f"| GET /api/v1/session (session lookup) | {session_ms:.1f} | 1 |")
    print(f"| POST /signin (argon2id verify) | {signin_ms:.1f} | "
          f"{signin_ms / session_ms:.0f}x |")

    print("\n### Bytes per page (HTML + CSS + JS, uncompressed; target 60 KB)\n")
    print("| page | HTML | CSS + JS | total |")
    print("|---|---:|---:|---:|")
    assets = sum(len(c.get(u).content) for u in ("/static/bs.css", "/static/app.js"))
    for path in ("/diary", "/settings", "/privacy", "/privacy/delete", "/signin"):
        client = anon if path == "/signin" else c
        html = len(client.get(path).content)
        print(f"| {path} | {html:,} | {assets:,} | {html + assets:,} |")


if __name__ == "__main__":
    sys.exit(main())
