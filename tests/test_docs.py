"""Every command has help text and the README tells a newcomer about it (datasette's habit)."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from backspasm.cli import _register, app

_register()
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str = "") -> list[tuple[str, object]]:
    click_group = typer.main.get_group(group)
    out: list[tuple[str, object]] = []

    def walk(cmd: object, path: str) -> None:
        out.append((path, cmd))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())

    for name, cmd in click_group.commands.items():
        walk(cmd, f"{prefix}{name}")
    return out


def test_every_command_and_option_has_help():
    missing = []
    for path, cmd in _commands(app):
        if not (getattr(cmd, "help", None) or "").strip():
            missing.append(path)
        for param in getattr(cmd, "params", []):
            undocumented = not (param.help or "").strip()
            if param.param_type_name == "option" and not param.hidden and undocumented:
                missing.append(f"{path} {param.opts[0]}")
    assert missing == [], f"commands or options without help text: {missing}"


def test_readme_shows_the_two_commands_and_every_command():
    head = README[: README.find("## Using it")]
    assert "make run" in head and "make test" in head
    absent = [path for path, _ in _commands(app) if f"backspasm {path}" not in README]
    assert absent == [], f"commands not shown in README.md: {absent}"


HAZARD_LOG = Path(__file__).resolve().parents[1] / "docs" / "clinical-safety.md"
#: A control's test: `file.py::test_name` or `e2e/file.py::test_name[case]` (under tests/).
_NAMED_TEST = re.compile(r"`((?:[\w-]+/)*[\w-]+\.py)::(\w+)(?:\[[^\]`]*\])?`")


def test_every_test_the_hazard_log_names_exists():
    """A control proves nothing if its test was renamed or never written."""
    text = HAZARD_LOG.read_text(encoding="utf-8")
    named = _NAMED_TEST.findall(text)
    assert len(named) > 100  # the pattern still matches the log's way of naming tests
    tests_dir = Path(__file__).resolve().parent
    missing = []
    for file, name in sorted(set(named)):
        path = tests_dir / file
        source = path.read_text(encoding="utf-8") if path.exists() else ""
        if not re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b", source, re.MULTILINE):
            missing.append(f"{file}::{name}")
    assert missing == [], f"the hazard log names tests that do not exist: {missing}"
