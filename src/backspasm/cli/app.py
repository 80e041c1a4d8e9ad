"""The one Typer app every command module registers on, and shared CLI helpers."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

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


def say(key: str, **values: Any) -> str:
    """A text of knowledge/cli.yaml (:func:`backspasm.knowledge.messages.say`). Imported on
    first use, not with the command modules: importing anything under
    ``backspasm.knowledge`` loads that package, which ``backspasm --help`` need not pay."""
    from backspasm.knowledge.messages import say as say_text

    return say_text(key, **values)


def say_n(key: str, n: float, **values: Any) -> str:
    """The plural text ``key`` of knowledge/cli.yaml in the form for ``n``
    (:func:`backspasm.knowledge.messages.say_n`), imported on first use."""
    from backspasm.knowledge.messages import say_n as say_plural

    return say_plural(key, n, **values)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a plain error to standard error and exit (status 2 for bad input). No traceback."""
    sys.stderr.write(say("errors.error", message=message) + "\n")
    raise typer.Exit(code)
