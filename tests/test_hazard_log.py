"""Every control in the hazard log names a test that exists (docs/clinical-safety.md)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG = (ROOT / "docs" / "clinical-safety.md").read_text(encoding="utf-8")


def test_every_test_the_hazard_log_names_exists() -> None:
    named = set(re.findall(r"`([\w/]+\.py)::(\w+)(?:\[[^\]`]*\])?`", LOG))
    assert len(named) > 50, "the hazard log names almost no tests: has its format changed?"
    missing = []
    for path, name in sorted(named):
        file = ROOT / "tests" / path
        if not file.exists() or not re.search(rf"^\s*def {name}\(", file.read_text("utf-8"),
                                              re.MULTILINE):
            missing.append(f"{path}::{name}")
    assert missing == [], f"the hazard log names tests that do not exist: {missing}"
