"""Every command has help text and the README tells a newcomer about it (datasette's habit)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import typer.main

from backspasm.cli import _register, app

_register()
ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
INTERNALS = (ROOT / "docs" / "internals.md").read_text(encoding="utf-8")


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



#: A dotted name inside backticks, e.g. `backspasm.core.flow.journey_state(...)`; the name
#: stops at the first character that cannot be part of a Python dotted name.
DOTTED = re.compile(r"`(backspasm(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def resolve(dotted: str) -> object:
    """Import the longest importable module prefix of `dotted`, then getattr the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj: object = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name is not None and not module_name.startswith(err.name):
                raise  # the module exists but one of its imports is missing
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError names the missing part
        return obj
    raise ModuleNotFoundError(dotted)


def doc_names(text: str) -> list[str]:
    return sorted(set(DOTTED.findall(text)))


def broken_names(text: str) -> list[str]:
    """Each `backspasm.…` name in ``text`` that does not import or resolve, with why."""
    broken = []
    for name in doc_names(text):
        try:
            resolve(name)
        except (ImportError, AttributeError) as err:
            broken.append(f"{name}: {err}")
    return broken


def test_internals_names_every_resolve():
    assert len(doc_names(INTERNALS)) >= 20, "the doc should name the seams in full"
    broken = broken_names(INTERNALS)
    assert broken == [], "docs/internals.md names what the code lacks:\n" + "\n".join(broken)


def test_the_name_check_catches_a_made_up_name():
    made_up = ["backspasm.core.flow.no_such_thing", "backspasm.core.no_such_module",
               "backspasm.no_such_module.thing", "backspasm.store.Store.no_such_method"]
    text = "`backspasm.core.flow.journey_state(answers, kb)` and " + ", ".join(
        f"`{name}(x)`" for name in made_up)
    assert doc_names(text) == sorted(["backspasm.core.flow.journey_state", *made_up])
    assert callable(resolve("backspasm.core.flow.journey_state"))
    assert [line.split(":")[0] for line in broken_names(text)] == sorted(made_up)


def test_every_test_contributing_names_exists():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    named = set(re.findall(r"tests/([\w/]+\.py)::(\w+)", text))
    assert len(named) >= 10, "CONTRIBUTING.md should name the tests that tell you"
    missing = [f"{path}::{name}" for path, name in sorted(named)
               if not (ROOT / "tests" / path).exists()
               or not re.search(rf"^\s*(?:async )?def {name}\(",
                                (ROOT / "tests" / path).read_text("utf-8"), re.MULTILINE)]
    assert missing == [], f"CONTRIBUTING.md names tests that do not exist: {missing}"
