"""Every command has help text and the README tells a newcomer about it (datasette's habit)."""

from __future__ import annotations

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


#: A control's test: `file.py::test_name` or `e2e/file.py::test_name[case]` (under tests/).
