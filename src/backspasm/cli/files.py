"""Writing a file the person asked for: whole or not at all, readable by them only.

The one atomic write of the command line (``export --json``, ``export ics|fhir``,
``report``): a temporary file in the same folder (``mkstemp`` makes it mode 0600), flushed
to disk, then renamed over the target with ``os.replace``. A crash leaves the old file or
the new one, never half of one, and a failure leaves no temporary file behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from backspasm.cli.app import fail, say

__all__ = ["write_atomic", "write_output"]


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all. Raises ``OSError``."""
    import tempfile

    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                               dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_output(file: str, data: bytes, option: str = "FILE") -> None:
    """``data`` to standard output (``-``), or whole to ``file`` and say so on standard
    error. A folder that is not there, or a file that cannot be written: ``Error: …``
    naming ``option``, exit 2."""
    if file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    folder = Path(file).parent
    if not folder.is_dir():
        fail(say("errors.no_folder", option=option, got=repr(file)))
    try:
        write_atomic(file, data)
    except OSError as exc:
        fail(say("errors.cannot_write", option=option, file=file,
                 why=exc.strerror or type(exc).__name__))
    typer.echo(say("files.wrote", file=file), err=True)
