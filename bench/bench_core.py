"""Triage core benchmark: evaluations per second beside loading the knowledge once (the
whole-process time of `backspasm triage --answers FILE --json` is in bench_speed.py).

Prints a markdown table. Ratios are measured in this one run, on this machine.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from backspasm.core.answers import parse_answers  # noqa: E402
from backspasm.core.flow import next_step  # noqa: E402
from backspasm.core.triage import triage  # noqa: E402
from backspasm.knowledge import KNOWLEDGE_DIR, load_knowledge_from  # noqa: E402

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ANSWERS = {
    "age": 55,
    "onset": "2026-11-22T04:00:00+00:00",
    "pain_now": 6,
    "pain_trend": "worse",
    "trigger": "lifting",
    "leg_symptoms": "one_leg",
    "leg_weakness": "none",
    "fever_or_unwell": False,
    "first_episode_ever": True,
    "episodes_past_3_months": 1,
    "now": "2026-11-25T12:00:00+00:00",
}


def per_second(fn, min_time: float = 1.0) -> tuple[float, float]:
    """(calls per second, seconds per call) over at least ``min_time`` seconds."""
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(500):
            fn()
        n += 500
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return n / elapsed, elapsed / n


def main() -> None:
    loads = []
    for _ in range(5):
        start = time.perf_counter()
        kb = load_knowledge_from(KNOWLEDGE_DIR)
        loads.append(time.perf_counter() - start)
    load = statistics.median(loads)
    triage(parse_answers(ANSWERS, default_now=NOW), kb)  # compile once
    parsed = parse_answers(ANSWERS, default_now=NOW)

    tri_rate, tri_cost = per_second(lambda: triage(parsed, kb))
    full_rate, full_cost = per_second(
        lambda: triage(parse_answers(ANSWERS, default_now=NOW), kb).to_dict()
    )
    flow_rate, flow_cost = per_second(
        lambda: next_step({"chest_pain": False, "age": 40}, kb, now=NOW)
    )

    rows = [
        (
            "load + validate knowledge once",
            f"{load * 1000:.1f} ms",
            f"= {load / tri_cost:,.0f} triage evaluations",
        ),
        (
            "triage(answers), answers parsed",
            f"{tri_rate:,.0f} /s ({tri_cost * 1e6:.1f} µs)",
            f"target ≥ 20,000 /s: {tri_rate / 20000:.1f}×",
        ),
        (
            "parse + triage + to_dict",
            f"{full_rate:,.0f} /s ({full_cost * 1e6:.1f} µs)",
            f"{full_cost / tri_cost:.1f}× triage alone",
        ),
        (
            "flow next_step (2 answers)",
            f"{flow_rate:,.0f} /s ({flow_cost * 1e6:.1f} µs)",
            f"{flow_cost / tri_cost:.1f}× triage alone",
        ),
    ]
    print("## Triage core\n")
    print("| measure | value | beside |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    machine = f"{os.uname().machine}, {os.cpu_count()} CPUs"
    print(f"\nPython {sys.version.split()[0]} on {machine}; one process, one core.")


if __name__ == "__main__":
    main()
