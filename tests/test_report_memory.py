"""Many PDF reports in one process do not keep growing its memory (issue 10, finding 9:
each WeasyPrint render built its own Pango font map and kept ~0.25 MB of native memory)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo
    from backspasm.exports.data import EpisodeRecord, PainPoint
    from backspasm.exports.report import render_report_pdf
    from backspasm.knowledge import load_knowledge
    import gc

    def rss_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    kb = load_knowledge()
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    onset = now - timedelta(hours=30)
    record = EpisodeRecord(id="1", onset=onset, tz=ZoneInfo("Europe/London"),
                           trigger="lifting",
                           pain=[PainPoint(onset + timedelta(hours=h), h % 11)
                                 for h in range(1, 29)])
    for _ in range(60):  # warm up: caches fill, the garbage collector finds its level
        render_report_pdf(record, kb=kb, now=now)
    before = rss_mb()
    for _ in range(150):
        render_report_pdf(record, kb=kb, now=now)
    gc.collect()
    print(rss_mb() - before)
""")


@pytest.mark.slow
def test_150_more_reports_keep_memory_flat():
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    grown = float(r.stdout.strip().splitlines()[-1])
    # Before the fix: about 0.25 MB a report (over 10 MB here); after: flat.
    assert grown < 5, f"RSS grew {grown:.1f} MB over 150 reports"
