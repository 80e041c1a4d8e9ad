"""What a command imports: a terminal command starts in a blink only if it imports no more
than it needs. Each check runs the real entry point in a fresh interpreter and reads
``sys.modules`` after it (no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Never needed by ``--help`` or ``triage --answers F --json``.
HEAVY = ("fastapi", "starlette", "uvicorn", "pydantic", "weasyprint", "sqlalchemy", "babel",
         "jinja2", "jsonschema", "alembic", "psycopg", "yaml")
#: Imported by typer.rich_utils at its top, but used by no help of ours (cli/lighthelp.py).
UNUSED_RICH = ("rich.markdown", "rich.traceback", "markdown_it", "pygments", "attr")

ANSWERS = {"age": 40, "onset": "2026-11-24T08:00:00+00:00", "pain_now": 6,
           "pain_trend": "same", "trigger": "lifting", "leg_symptoms": "one_leg",
           "now": "2026-11-25T12:00:00+00:00"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No diary yet, and a knowledge cache of our own."""
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "XDG_DATA_HOME": str(tmp_path / "data"), "NO_COLOR": "1", "COLUMNS": "100",
            "BACKSPASM_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}


def run_main(args: list[str], env: dict[str, str], after: str = "") -> tuple[str, list[str]]:
    """Run ``backspasm ARGS`` as the console script does; return (stdout, the modules of
    :data:`HEAVY` and :data:`UNUSED_RICH` imported, and ``rich`` if imported)."""
    code = (
        "import sys\n"
        f"sys.argv = ['backspasm', *{args!r}]\n"
        "from backspasm.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"names = {(*HEAVY, *UNUSED_RICH, 'rich')!r}\n"
        "sys.stderr.write('\\nIMPORTED ' + ' '.join(n for n in names if n in sys.modules))\n"
        + after
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=env)
    assert "IMPORTED" in out.stderr, out.stderr
    line = out.stderr.split("IMPORTED", 1)[1].splitlines()[0]
    return out.stdout, line.split()


def test_help_imports_no_heavy_package_and_no_unused_rich_module(env: dict[str, str]) -> None:
    out, imported = run_main(["--help"], env)
    assert "triage" in out and "Commands" in out and "╭" in out  # Typer's rich panels
    assert imported == ["rich"], imported


def test_triage_json_imports_no_heavy_package_with_a_warm_cache(
    tmp_path: Path, env: dict[str, str]
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    args = ["triage", "--answers", str(answers), "--json"]
    cold, imported_cold = run_main(args, env)  # fills the knowledge cache
    assert list((tmp_path / "cache" / "backspasm").glob("knowledge-*.pickle"))
    assert "yaml" in imported_cold  # read and validated once
    warm, imported = run_main(args, env)
    assert json.loads(warm) == json.loads(cold)
    assert json.loads(warm)["level"] == "self_care"
    assert imported == [], imported  # no YAML parser, no rich: nothing is printed with it


def test_help_text_is_typers_own(env: dict[str, str]) -> None:
    """The deferred rich modules change nothing in the help: the same bytes as Typer prints
    without the import hook, for the app and for a command (and for a usage error)."""
    plain = ("import sys\nsys.argv = ['backspasm', *sys.argv[1:]]\n"
             "from backspasm.cli import app, _register\n_register()\napp(prog_name='backspasm')\n")
    for args in (["--help"], ["triage", "--help"], ["export", "ics", "--help"],
                 ["triage", "--bogus"]):
        hooked = subprocess.run([sys.executable, "-m", "backspasm", *args], capture_output=True,
                                text=True, timeout=120, env=env)
        typer_only = subprocess.run([sys.executable, "-c", plain, *args], capture_output=True,
                                    text=True, timeout=120, env=env)
        assert (hooked.stdout, hooked.stderr, hooked.returncode) == (
            typer_only.stdout, typer_only.stderr, typer_only.returncode), args
        assert "╭" in hooked.stdout + hooked.stderr


def test_the_deferred_rich_classes_are_the_real_ones_when_used(env: dict[str, str]) -> None:
    after = (
        "import rich.markdown, rich.traceback, typer.rich_utils as ru\n"
        "assert type(ru.Markdown('*x*')) is rich.markdown.Markdown\n"
        "assert ru.Traceback.from_exception.__func__ is "
        "rich.traceback.Traceback.from_exception.__func__\n"
        "assert rich.markdown.Markdown is not ru.Markdown  # the real module is imported\n"
        "print('REAL')\n"
    )
    out, imported = run_main(["--help"], env, after=after)
    assert out.rstrip().endswith("REAL")


@pytest.mark.parametrize("args", [["log", "pain", "4"], ["status"], ["diary"],
                                  ["report", "{tmp}/r.pdf"], ["export", "fhir", "{tmp}/f.json"]])
def test_the_diary_commands_and_exports_import_no_sqlalchemy(tmp_path: Path,
                                                             env: dict[str, str], args) -> None:
    # A diary made by the store first (the stdlib path reads one that exists as it is).
    from backspasm.store import open_store

    url = env["BACKSPASM_DATABASE_URL"]
    with open_store(url) as store:
        pid = store.ensure_profile("local", tz="Europe/London").id
        store.start_episode(pid, onset=store.now())
        store.log_pain(pid, score=5, at=store.now())
    out, imported = run_main([a.format(tmp=tmp_path) for a in args], env)
    assert "sqlalchemy" not in imported and "alembic" not in imported, imported
    if args[0] in ("report", "export"):
        assert (tmp_path / args[-1].rsplit("/", 1)[1]).stat().st_size > 1000
