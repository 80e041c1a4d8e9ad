"""Benchmark: POST /api/v1/triage and the plan page beside a static asset, served by the
same app in one run; bytes per page (HTML + CSS + JS).

The app runs under uvicorn (``backspasm serve``, personal mode) on a temporary SQLite
diary with an open episode; ``wrk`` (Debian) drives it on loopback with 50 connections.
Targets: triage at >= 50% of the static rate; every page <= 60 KB uncompressed.
Ratios, not absolute numbers, carry over to another machine.
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from _webbench import CONNECTIONS, run, wrk

DURATION = os.environ.get("BENCH_DURATION", "8s")
ANSWERS = {"age": 40, "onset": "2026-11-24T08:00:00+00:00", "pain_now": 6,
           "pain_trend": "same", "trigger": "lifting", "leg_symptoms": "one_leg",
           "now": "2026-11-25T12:00:00+00:00"}


def page_bytes(client: httpx.Client, path: str, method: str = "GET",
               data: dict | None = None) -> tuple[str, int, int]:
    """(final path, HTML bytes, HTML + CSS + JS bytes) of one page."""
    r = client.request(method, path, data=data)
    r.raise_for_status()
    html = r.content
    total = len(html)
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        total += len(client.get(asset.decode()).content)
    return r.url.path, len(html), total


def _prepare(db: Path) -> None:
    """A personal diary with an episode 30 hours old, so /plan shows the full plan."""
    from backspasm.store import open_store

    with open_store(f"sqlite:///{db}") as store:
        pid = store.ensure_profile("local", tz="Europe/London").id
        store.start_episode(pid, onset=datetime.now(UTC) - timedelta(hours=30))


def main() -> int:
    return run(_measure, prepare=_prepare)


def _measure(base: str, tmp: Path) -> None:
    """Measure the server at ``base`` and print the tables."""
    lua = tmp / "triage.lua"
    body = json.dumps(ANSWERS).replace("\\", "\\\\").replace('"', '\\"')
    lua.write_text('wrk.method = "POST"\n'
                   f'wrk.body = "{body}"\n'
                   'wrk.headers["Content-Type"] = "application/json"\n')
    assert httpx.post(base + "/api/v1/triage", json=ANSWERS).status_code == 200
    wrk(base + "/static/bs.css", DURATION)  # warm up
    rows = [("static asset GET /static/bs.css", *wrk(base + "/static/bs.css", DURATION)),
            ("POST /api/v1/triage", *wrk(base + "/api/v1/triage", DURATION, script=lua)),
            ("plan page GET /plan", *wrk(base + "/plan", DURATION))]
    static_rps = rows[0][1]
    print(f"\n### Web: throughput with wrk ({CONNECTIONS} connections, {DURATION} each, "
          "one uvicorn process, loopback)\n")
    print("| request | requests/s | p99 latency (ms) | vs static |")
    print("|---|---:|---:|---:|")
    for name, rps, p99 in rows:
        print(f"| {name} | {rps:,.0f} | {p99:.1f} | {rps / static_rps:.0%} |")
    triage_ratio = rows[1][1] / static_rps
    print(f"\nTriage at {triage_ratio:.0%} of the static rate "
          f"(target >= 50%: {'met' if triage_ratio >= 0.5 else 'NOT met'}).")

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
    print("\n### Web: bytes per page (uncompressed; target <= 60 KB)\n")
    print("| page | HTML (KB) | HTML + CSS + JS (KB) | within 60 KB |")
    print("|---|---:|---:|---|")
    for name, _path, html, total in pages:
        print(f"| {name} | {html / 1024:.1f} | {total / 1024:.1f} | "
              f"{'yes' if total <= 60 * 1024 else 'NO'} |")


if __name__ == "__main__":
    sys.exit(main())
