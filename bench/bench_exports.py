"""Exports benchmark: 7-day ICS, a two-week report PDF, a FHIR bundle with 1,000 pain entries.

Prints a markdown table: the median of several runs against the budget from issue 5, and,
measured in the same run, each export against a baseline on the same input (serialising
the same data as plain JSON), so the ratios compare like with like on this machine.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backspasm.core.plan import make_plan
from backspasm.exports import CareDone, EpisodeRecord, MedicineDose, PainPoint, TriageSnapshot
from backspasm.exports.fhir import build_bundle, bundle_json
from backspasm.exports.ics import build_ics
from backspasm.exports.report import render_report_pdf
from backspasm.knowledge import load_knowledge

TZ = ZoneInfo("Europe/London")
ONSET = datetime(2026, 10, 22, 8, 0, tzinfo=TZ)


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(first call, median of the next ``runs``): the first pays for imports and caches."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return first, statistics.median(samples)


def episode(kb, pain_n: int, days: int) -> EpisodeRecord:
    span = timedelta(days=days)
    pain = [PainPoint(ONSET + span * i / pain_n, 8 - (8 * i) // pain_n) for i in range(pain_n)]
    care = [
        CareDone("ice" if d < 3 else "heat", ONSET + timedelta(days=d, hours=h))
        for d in range(days)
        for h in (2, 5, 8, 11)
    ]
    meds = [
        MedicineDose("Ibuprofen", ONSET + timedelta(days=d, hours=h))
        for d in range(days)
        for h in (1, 9)
    ]
    plan = make_plan(kb, onset=ONSET, now=ONSET, tz="Europe/London")
    triage = TriageSnapshot(
        ONSET + timedelta(hours=2), {"age": 40, "chest_pain": False}, "self_care"
    )
    return EpisodeRecord(
        id="1",
        onset=ONSET,
        tz=TZ,
        ended=ONSET + span,
        trigger="lifting",
        pain=pain,
        care=care,
        medicines=meds,
        triage=triage,
        sessions=plan.sessions,
    )


def main() -> None:
    kb = load_knowledge()
    now = datetime(2026, 10, 22, 7, 0, tzinfo=UTC)
    plan = make_plan(kb, onset=ONSET, now=ONSET, tz="Europe/London", days=7)
    two_weeks = episode(kb, pain_n=14 * 4, days=14)
    thousand = episode(kb, pain_n=1000, days=14)

    def plain_json(ep: EpisodeRecord) -> bytes:
        return json.dumps(
            {
                "pain": [[p.at.isoformat(), p.score] for p in ep.pain],
                "sessions": [[s.kind, s.start.isoformat()] for s in ep.sessions],
            }
        ).encode()

    rows = [
        (
            "7-day ICS",
            f"{len(plan.sessions)} sessions",
            0.050,
            timed(lambda: build_ics(plan.sessions, episode_uid="e", tz=TZ, kb=kb, now=now), 50),
            timed(lambda: json.dumps([s.to_dict() for s in plan.sessions]).encode(), 50),
        ),
        (
            "Report PDF, two weeks",
            f"{len(two_weeks.pain)} pain, {len(two_weeks.care)} care",
            1.5,
            timed(lambda: render_report_pdf(two_weeks, kb=kb, now=two_weeks.ended), 5),
            timed(lambda: plain_json(two_weeks), 5),
        ),
        (
            "FHIR bundle, 1,000 pain",
            f"{len(thousand.pain)} Observations",
            0.5,
            timed(lambda: bundle_json(build_bundle(thousand, kb=kb, now=now, patient_key="p")), 10),
            timed(lambda: plain_json(thousand), 10),
        ),
    ]
    print(
        "| export | input | first call | median | budget | within | plain JSON, same data | ratio |"
    )
    print("|---|---|---:|---:|---:|:-:|---:|---:|")
    for name, size, budget, (first, t), (_, base) in rows:
        ok = "yes" if t <= budget else "NO"
        print(
            f"| {name} | {size} | {first * 1000:.1f} ms | {t * 1000:.1f} ms "
            f"| {budget * 1000:.0f} ms | {ok} | {base * 1000:.2f} ms | {t / base:.0f}x |"
        )


if __name__ == "__main__":
    main()
