"""Diary store benchmark: SQLite and PostgreSQL side by side, in one run.

One profile holds 100,000 pain entries (spread over two years) and 1,000 other profiles
sit beside it. Measured: importing the 100,000 entries (one transaction, checks
included), the ``status`` data query, the whole ``status`` computation (query + trends +
triage + plan), and the 30-day ``diary`` query. Baseline for the queries: reading every
pain entry of the profile (what a store without the (profile, time) index would have to
do). Targets: status and diary ≤ 50 ms, import ≤ 5 s. Prints a markdown table.

PostgreSQL: ``$BACKSPASM_BENCH_POSTGRES_URL`` (default 127.0.0.1:5432 db ``test``), in a
fresh schema dropped afterwards; skipped with a note if unreachable.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

N_PAIN = 100_000
N_PROFILES = 1_000
PER_OTHER = 20
SPREAD = timedelta(days=730)
REPEAT = 30
PG_URL = os.environ.get("BACKSPASM_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://@127.0.0.1:5432/test")


def timed(fn: Any, repeat: int = REPEAT) -> tuple[float, float, Any]:
    """Median and 95th percentile in milliseconds, and the last result."""
    fn()  # warm up
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], result


def document(now: datetime) -> dict[str, Any]:
    step = SPREAD / N_PAIN
    start = now - SPREAD
    return {
        "format": "backspasm-diary", "version": 1,
        "profile": {"tz": "Europe/London", "wake": "07:00", "sleep": "22:00", "region": "GB"},
        "episodes": [{"onset": (now - timedelta(days=d)).isoformat(),
                      "ended_at": (now - timedelta(days=d - 4)).isoformat(), "trigger": "lifting"}
                     for d in range(700, 10, -30)]
                    + [{"onset": (now - timedelta(hours=80)).isoformat(), "trigger": "twisting"}],
        "pain": [{"at": (start + i * step).isoformat(), "score": (i * 7) % 11}
                 for i in range(N_PAIN)],
        "care": [], "triage": [],
    }


def fill_others(store: Any, now: datetime) -> None:
    """1,000 other profiles with a few entries each, inserted directly (setup, not timed)."""
    from sqlalchemy import insert, select

    from backspasm.store.models import pain_entries, profiles

    with store.engine.begin() as conn:
        rows = [{"key": f"other-{i}", "tz": "UTC", "wake": datetime(2000, 1, 1, 7).time(),
                 "sleep": datetime(2000, 1, 1, 22).time(), "region": "GB", "age": None,
                 "created_at": now} for i in range(N_PROFILES)]
        conn.execute(insert(profiles), rows)
        ids = list(conn.execute(select(profiles.c.id).where(profiles.c.key.like("other-%")))
                   .scalars())
        pain = [{"profile_id": pid, "at": now - timedelta(hours=j * 7), "score": j % 11,
                 "note": None} for pid in ids for j in range(PER_OTHER)]
        conn.execute(insert(pain_entries), pain)


def run(name: str, url: str, doc: dict[str, Any], now: datetime) -> list[tuple[str, ...]]:
    from backspasm.core.trends import windows
    from backspasm.knowledge import load_knowledge
    from backspasm.status import status_report
    from backspasm.store import open_store

    kb = load_knowledge()
    w = windows(kb)
    with open_store(url) as store:
        fill_others(store, now)
        me = store.create_profile(key="bench")
        t0 = time.perf_counter()
        counts = store.import_profile(me.id, doc)
        import_s = time.perf_counter() - t0
        assert counts["pain"] == N_PAIN
        data_ms, data_p95, _ = timed(lambda: store.status_data(
            me.id, pain_since=now - w.pain_since, episodes_since=now - w.episodes))
        profile = store.get_profile(me.id)
        full_ms, full_p95, rep = timed(lambda: status_report(store, profile, kb, now))
        diary_ms, diary_p95, d = timed(lambda: store.diary(
            me.id, since=now - timedelta(days=30), until=now))
        base_ms, base_p95, allp = timed(lambda: store.pain_entries(me.id), repeat=5)
        t0 = time.perf_counter()
        exported = store.export_profile(me.id)
        export_s = time.perf_counter() - t0
        assert len(exported["pain"]) == N_PAIN and len(allp) == N_PAIN
    return [
        (name, "import 100,000 pain entries", f"{import_s * 1000:.0f}", "–", "5000",
         f"{import_s / 5:.2f}"),
        (name, "status data query", f"{data_ms:.1f}", f"{data_p95:.1f}", "50",
         f"{data_ms / 50:.2f}"),
        (name, f"status in full (level {rep['level']})", f"{full_ms:.1f}", f"{full_p95:.1f}",
         "50", f"{full_ms / 50:.2f}"),
        (name, f"diary, 30 days ({len(d.pain)} entries)", f"{diary_ms:.1f}", f"{diary_p95:.1f}",
         "50", f"{diary_ms / 50:.2f}"),
        (name, "baseline: all 100,000 entries", f"{base_ms:.0f}", f"{base_p95:.0f}", "–",
         f"diary is {base_ms / diary_ms:.0f}× faster"),
        (name, "export 100,000 entries", f"{export_s * 1000:.0f}", "–", "–", "–"),
    ]


def postgres_url() -> tuple[str | None, str | None, Any]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bs_bench_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        return None, f"PostgreSQL skipped: {str(exc).splitlines()[0]}", None
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), None, drop


def main() -> int:
    now = datetime.now(UTC) - timedelta(minutes=5)
    doc = document(now)
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", doc, now)
    url, note, drop = postgres_url()
    if url is None:
        notes.append(note or "")
    else:
        try:
            rows += run("PostgreSQL", url, doc, now)
        finally:
            drop()
    print(f"## Diary store ({N_PAIN:,} pain entries in one profile, {N_PROFILES:,} profiles "
          f"beside it; median of {REPEAT})\n")
    print("| database | operation | median ms | p95 ms | target ms | ratio to target |")
    print("|---|---|---:|---:|---:|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    by = {(r[0], r[1].split(" (")[0].split(",")[0]): r for r in rows}
    if ("PostgreSQL", "status data query") in by:
        print()
        for op in ("import 100", "status data query", "diary"):
            k = next(k for k in by if k[0] == "SQLite" and k[1].startswith(op))
            pg = by.get(("PostgreSQL", k[1]))
            if pg:
                print(f"- {k[1]}: PostgreSQL / SQLite = "
                      f"{float(pg[2]) / float(by[k][2]):.2f}")
    for n in notes:
        print(f"\n{n}")
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
