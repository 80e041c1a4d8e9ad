"""The shape the code promises (docs/internals.md): checked, so it stays true.

Each check reads the source as text or as a syntax tree; none imports the doors.
"""

from __future__ import annotations

import ast
import tokenize
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "backspasm"
MAX_LINES = 400


def _modules(under: Path = SRC) -> list[Path]:
    return sorted(p for p in under.rglob("*.py") if "alembic" not in p.parts[-3:-1])


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_is_over_the_line_limit():
    long = {str(p.relative_to(SRC)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: {long}"


def test_sql_lives_in_the_store_only():
    """SQLAlchemy is imported by store/ (and the migration scripts) only."""
    outside = {str(p.relative_to(SRC)) for p in _modules()
               if "store" not in p.relative_to(SRC).parts
               and any(n == "sqlalchemy" or n.startswith("sqlalchemy.") for n in _imports(p))}
    assert outside == set()


@pytest.mark.parametrize("area", ["core", "knowledge"])
def test_the_core_and_knowledge_import_no_door(area):
    doors = ("backspasm.web", "backspasm.cli", "backspasm.exports", "backspasm.store",
             "fastapi", "typer", "sqlalchemy")
    bad = {str(p.relative_to(SRC)): sorted(n for n in _imports(p) if n.startswith(doors))
           for p in _modules(SRC / area)}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_cli_never_writes_the_environment():
    """Options such as --db travel through the Typer context, not os.environ. The one
    exception is ``serve --workers N``: uvicorn starts each worker process from an import
    string, and the settings reach them through ``SETTINGS_ENV``, set just before."""
    writes = []
    for p in _modules(SRC / "cli"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for t in targets:
                if (isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute)
                        and t.value.attr == "environ"
                        and not (p.name == "serve.py" and isinstance(t.slice, ast.Name)
                                 and t.slice.id == "SETTINGS_ENV")):
                    writes.append(f"{p.name}:{node.lineno}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"setdefault", "update", "putenv"}
                    and isinstance(node.func.value, ast.Attribute)
                    and node.func.value.attr == "environ"):
                writes.append(f"{p.name}:{node.lineno}")
    assert writes == []


def test_no_hand_made_plurals_or_dates():
    """Plurals and dates go through Babel (knowledge/formats), not string tricks: no
    ``"s" if n != 1`` and no dates for people made with ``strftime`` (day and month names,
    days of the month); ``%H:%M`` in a data format is fine."""
    found = []
    for p in _modules():
        with p.open("rb") as f:
            tokens = [t for t in tokenize.tokenize(f.readline)
                      if t.type in (tokenize.NAME, tokenize.OP, tokenize.STRING)]
        for a, b in zip(tokens, tokens[1:], strict=False):
            if a.type == tokenize.STRING and a.string in ("'s'", '"s"') and b.string == "if":
                found.append(f"{p.relative_to(SRC)}:{a.start[0]} plural by hand")
        for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False):
            human = ("%a", "%A", "%b", "%B", "%p", "%-", "%e", "%d")
            if a.string == "strftime" and b.string == "(" and c.type == tokenize.STRING and any(
                    h in c.string for h in human):
                found.append(f"{p.relative_to(SRC)}:{a.start[0]} strftime for people")
    assert found == []
