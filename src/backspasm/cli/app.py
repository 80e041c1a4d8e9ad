"""The one Typer app every command module registers on, and shared CLI helpers."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from backspasm import __version__

app = typer.Typer(
    name="backspasm",
    help=(
        "Help through an acute episode of lower back spasm. Not a diagnosis. "
        "In an emergency call 999 (UK), 911 (US) or 112 (EU)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"backspasm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Help through an acute episode of lower back spasm."""


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a plain error to standard error and exit (status 2 for bad input). No traceback."""
    from backspasm.knowledge.messages import say

    sys.stderr.write(say("errors.error", message=message) + "\n")
    raise typer.Exit(code)
