"""The command line: a thin Typer app over the library.

Each area keeps its commands in its own module, registered on the one ``app``. Modules
import their heavy dependencies inside the command functions, so start-up stays fast.
"""

from __future__ import annotations

import sys

from backspasm.cli.app import app

# Command modules register themselves on ``app`` when imported.
_COMMAND_MODULES = ("triage", "plan", "timer", "diary", "exports", "serve")


def _register() -> None:
    import importlib

    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(f"backspasm.cli.{name}")
        except ModuleNotFoundError as exc:  # an area not built yet
            if exc.name != f"backspasm.cli.{name}":
                raise


def main() -> None:
    """Entry point of the ``backspasm`` console script."""
    _register()
    app(prog_name="backspasm")


__all__ = ["app", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
