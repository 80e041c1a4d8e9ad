"""Plan benchmark: a 7-day care plan (target <= 1 ms) beside loading the knowledge once.

Prints a markdown table of medians measured in one run on this machine. The ratio column
compares each operation with one uncached load of all the knowledge files (read, parse,
validate), the cost a process pays once; a plan is made on every request.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backspasm.core.plan import make_plan, steps_for_phase
from backspasm.knowledge import KNOWLEDGE_DIR, load_knowledge, load_knowledge_from

LONDON = ZoneInfo("Europe/London")
# A week that crosses the October clock change in London.
ONSET = datetime(2026, 10, 22, 8, 0, tzinfo=LONDON)


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm: compiles the knowledge once, imports
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    kb = load_knowledge()
    at_onset = make_plan(kb, onset=ONSET, now=ONSET, tz="Europe/London", days=7)
    day4 = ONSET + timedelta(days=4)
    rows = [
        (
            "load knowledge (uncached, all files)",
            "",
            median_seconds(lambda: load_knowledge_from(KNOWLEDGE_DIR), 20),
            None,
        ),
        (
            "7-day plan made at onset",
            f"{len(at_onset.sessions)} sessions",
            median_seconds(
                lambda: make_plan(kb, onset=ONSET, now=ONSET, tz="Europe/London", days=7), 2000
            ),
            0.001,
        ),
        (
            "7-day plan made on day 4 (recovery)",
            "",
            median_seconds(
                lambda: make_plan(
                    kb, onset=ONSET, now=day4, tz="Europe/London", days=7, easing=True
                ),
                2000,
            ),
            0.001,
        ),
        (
            "28-day plan made at onset",
            "",
            median_seconds(
                lambda: make_plan(kb, onset=ONSET, now=ONSET, tz="America/New_York", days=28), 500
            ),
            None,
        ),
        (
            "steps for a phase",
            "",
            median_seconds(lambda: steps_for_phase(kb, "recovery", easing=True), 5000),
            None,
        ),
        ("plan.to_dict() (the --json contract)", "", median_seconds(at_onset.to_dict, 2000), None),
    ]
    load = rows[0][2]
    print("| operation | size | median | target | within | vs loading knowledge once |")
    print("|---|---|---:|---:|:-:|---:|")
    for name, size, t, budget in rows:
        target = f"{budget * 1e6:.0f} µs" if budget else ""
        ok = ("yes" if t <= budget else "NO") if budget else ""
        print(f"| {name} | {size} | {t * 1e6:.0f} µs | {target} | {ok} | {t / load:.4f}x |")


if __name__ == "__main__":
    main()
