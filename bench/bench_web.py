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
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

DURATION = os.environ.get("BENCH_DURATION", "8s")
CONNECTIONS = 50
ANSWERS = {"age": 40, "onset": "2026-11-24T08:00:00+00:00", "pain_now": 6,
           "pain_trend": "same", "trigger": "lifting", "leg_symptoms": "one_leg",
           "now": "2026-11-25T12:00:00+00:00"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url: str, script: Path | None = None) -> tuple[float, float]:
    """(requests/s, p99 latency in ms)."""
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"warning: {non2xx.group(1)} non-2xx answers from {url}", file=sys.stderr)
    return rps, p99


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


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian package wrk): skipped", file=sys.stderr)
        return 0
    from backspasm.store import open_store

    tmp = Path(tempfile.mkdtemp())
    db = tmp / "bench.db"
    with open_store(f"sqlite:///{db}") as store:
        pid = store.ensure_profile("local", tz="Europe/London").id
        store.start_episode(pid, onset=datetime.now(UTC) - timedelta(hours=30))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp / "server.log").open("w")  # a file, not a pipe: a full pipe stalls the server
    proc = subprocess.Popen([sys.executable, "-m", "backspasm", "serve", "--port", str(port),
                             "--db", str(db), "--tz", "Europe/London"],
                            stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        lua = tmp / "triage.lua"
        body = json.dumps(ANSWERS).replace("\\", "\\\\").replace('"', '\\"')
        lua.write_text('wrk.method = "POST"\n'
                       f'wrk.body = "{body}"\n'
                       'wrk.headers["Content-Type"] = "application/json"\n')
        assert httpx.post(base + "/api/v1/triage", json=ANSWERS).status_code == 200
        wrk(base + "/static/bs.css")  # warm up
        rows = [("static asset GET /static/bs.css", *wrk(base + "/static/bs.css")),
                ("POST /api/v1/triage", *wrk(base + "/api/v1/triage", lua)),
                ("plan page GET /plan", *wrk(base + "/plan"))]
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
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
