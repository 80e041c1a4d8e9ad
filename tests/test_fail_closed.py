"""Fail closed (issue 10, finding 7 of the report): a missing module stops the app, the CLI
or the knowledge loader instead of quietly leaving an area out. Without ``auth``,
multi-user mode would run with no guard and every request on the local profile."""

from __future__ import annotations

import subprocess
import sys

import pytest

BUILD_APP = ("from backspasm.web.app import create_app; from backspasm.web.settings import "
             "Settings; create_app(Settings(database_url='sqlite:///{db}', multi_user=True, "
             "public_url='http://127.0.0.1:8000')); print('STARTED')")


def _python_without(module: str, code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter in which importing ``module`` fails."""
    prelude = f"import sys; sys.modules[{module!r}] = None\n"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("module", ["auth", "api.diary", "pages.privacy", "pages.exports"])
def test_the_web_app_does_not_start_without_a_router_module(tmp_path, module):
    r = _python_without(f"backspasm.web.{module}", BUILD_APP.format(db=tmp_path / "x.db"))
    assert r.returncode != 0 and "STARTED" not in r.stdout
    assert f"backspasm.web.{module}" in r.stderr


@pytest.mark.parametrize("module", ["serve", "diary", "exports", "plan"])
def test_the_cli_does_not_run_without_a_command_module(module):
    code = ("import sys; sys.argv = ['backspasm', 'rules', '--json']\n"
            "from backspasm.cli import main; main()")
    r = _python_without(f"backspasm.cli.{module}", code)
    assert r.returncode != 0 and f"backspasm.cli.{module}" in r.stderr


@pytest.mark.parametrize("module", ["specs_triage", "specs_plan", "specs_web", "specs_exports"])
def test_knowledge_does_not_load_without_an_area_spec(module):
    code = "from backspasm.knowledge import load_knowledge; load_knowledge(); print('LOADED')"
    r = _python_without(f"backspasm.knowledge.{module}", code)
    assert r.returncode != 0 and "LOADED" not in r.stdout
    assert f"backspasm.knowledge.{module}" in r.stderr
