"""Every shared vignette, in-process and through the command line."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backspasm.cli import _register
from backspasm.cli.app import app
from backspasm.core.answers import AnswersError, parse_answers
from backspasm.core.triage import triage
from backspasm.knowledge import load_knowledge

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def shared_dir() -> Path:
    """shared/ beside the repository (as in CI's clean clone), or $BACKSPASM_SHARED_DIR."""
    env = os.environ.get("BACKSPASM_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def vignettes() -> list[dict[str, Any]]:
    cases = []
    for path in sorted((shared_dir() / "vignettes").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line))
    return cases


CASES = vignettes()


def test_vignettes_were_found() -> None:
    assert CASES, f"no vignettes under {shared_dir() / 'vignettes'}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_vignette_in_process(case: dict[str, Any]) -> None:
    kb = load_knowledge()
    if case["expected"] == "error":
        with pytest.raises(AnswersError) as info:
            parse_answers(case["answers"], default_now=NOW)
        assert info.value.field in case["answers"] or info.value.field == "answers"
        return
    result = triage(parse_answers(case["answers"], default_now=NOW), kb)
    assert result.level == case["expected"], case["note"]
    if result.level != "self_care":
        assert result.reasons and result.reasons[0].level == result.level


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_vignette_through_the_cli(case: dict[str, Any]) -> None:
    _register()
    runner = CliRunner()
    args = ["triage", "--answers", "-", "--json", "--now", NOW.isoformat()]
    out = runner.invoke(app, args, input=json.dumps(case["answers"]))
    if case["expected"] == "error":
        assert out.exit_code == 2
        assert out.stdout == ""
        assert out.stderr.startswith("Error: ")
        assert any(f"{field}:" in out.stderr for field in case["answers"])
        assert "Traceback" not in out.stderr
        return
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["level"] == case["expected"]
