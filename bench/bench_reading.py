"""Reading level of the knowledge texts (issue 9): the worst ten by Flesch-Kincaid grade,
and the mean and highest grade per file. Limits: grade 6, evidence notes grade 8. Texts
shorter than 8 words (titles, labels) are not graded; the test checks their words instead.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backspasm.knowledge import load_knowledge
from backspasm.knowledge.texts import (
    EVIDENCE_GRADE_LIMIT,
    GRADE_LIMIT,
    MIN_WORDS_FOR_GRADE,
    as_read,
    grade,
    user_texts,
)


def main() -> int:
    kb = load_knowledge()
    graded = [(grade(t.text), t) for t in user_texts(kb)
              if len(as_read(t.text).split()) >= MIN_WORDS_FOR_GRADE]
    print(f"Reading level (Flesch-Kincaid grade; limits {GRADE_LIMIT:g}, evidence "
          f"{EVIDENCE_GRADE_LIMIT:g}), knowledge {kb.version}\n")
    print("| file | texts graded | mean grade | max grade |")
    print("|---|---|---|---|")
    by_file: dict[str, list[float]] = {}
    for g, t in graded:
        by_file.setdefault(t.file, []).append(g)
    for file, grades in sorted(by_file.items()):
        print(f"| {file} | {len(grades)} | {statistics.mean(grades):.1f} | {max(grades):.1f} |")
    print("\nThe worst ten:\n")
    print("| grade | limit | where | text |")
    print("|---|---|---|---|")
    for g, t in sorted(graded, key=lambda p: -p[0])[:10]:
        limit = EVIDENCE_GRADE_LIMIT if t.evidence else GRADE_LIMIT
        text = t.text if len(t.text) <= 80 else t.text[:77] + "..."
        print(f"| {g:.1f} | {limit:g} | {t.file}{t.path} | {text} |")
    over = [1 for g, t in graded if g > (EVIDENCE_GRADE_LIMIT if t.evidence else GRADE_LIMIT)]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
