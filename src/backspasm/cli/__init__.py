"""The command line: a thin Typer app over the library.

Each area keeps its commands in its own module, registered on the one ``app``. Modules
import their heavy dependencies inside the command functions, so start-up stays fast.
"""

from __future__ import annotations

import sys

from backspasm.cli.app import app


def _register() -> None:
    # Command modules register themselves on ``app`` when imported. Every one is imported
    # by name: a missing module is an error, never a command quietly left out.
    from backspasm.cli import (  # noqa: F401
        diary,
        episode,
        exports,
        log,
        plan,
        portable,
        profile,
        serve,
        status,
        timer,
        triage,
    )


def main() -> None:
    """Entry point of the ``backspasm`` console script."""
    from backspasm.cli.lighthelp import install

    install()  # help and usage errors: Typer's rich layout, without unused rich modules
    _register()
    app(prog_name="backspasm")


__all__ = ["app", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
