"""A compiled cache of the validated knowledge, keyed by its content.

Parsing and validating the knowledge files costs tens of milliseconds per process (the
YAML parse, the schema and the cross-file checks), more than the rest of a command such
as ``backspasm triage --answers FILE --json``. Once validated, the result (the content
version and the parsed, prepared data) is kept as a pickle in the user's cache folder.

The file is named by a hash of every knowledge file's bytes and of everything that shapes
the validated result: the Python and JSON files of this package (the specs, the schema,
the placeholder filling), the package and Python versions and this cache's format. A
changed byte anywhere gives another name, so a cache is never stale; nothing is ever
checked against a clock. A cache that is missing, corrupt, unreadable or unwritable is
passed over: the caller loads and validates as if there were none.

The folder is ``$XDG_CACHE_HOME/backspasm`` when that variable is set (on any platform,
so tests can point it at a temporary folder), else platformdirs' user cache folder.
Only validated knowledge is written: a broken file is refused on every load.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from backspasm import __version__

__all__ = ["cache_dir", "cache_key", "read_cached", "write_cached"]

#: Bump when the shape of what is pickled changes.
FORMAT = 1
#: Entries kept in the folder (a few per knowledge content and code); older ones go.
KEEP = 12
_PREFIX = "knowledge-"
_SUFFIX = ".pickle"
_PACKAGE_DIR = Path(__file__).parent


def cache_dir() -> Path:
    """Where the compiled knowledge is kept."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "backspasm"
    from platformdirs import user_cache_path

    return user_cache_path("backspasm", appauthor=False)


@lru_cache(maxsize=1)
def _code_digest() -> bytes | None:
    """A hash of the code that shapes the validated result (read once per process), or
    ``None`` when that code cannot be read (then nothing is cached)."""
    h = hashlib.sha256(f"{FORMAT}\0{__version__}\0{sys.version}\0".encode())
    try:
        for path in sorted(_PACKAGE_DIR.iterdir()):
            if path.suffix in (".py", ".json"):
                h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return h.digest()


def cache_key(files: dict[str, bytes], kind: str = "knowledge") -> str | None:
    """The key of knowledge files (stem → bytes) under the current code, or ``None`` if the
    code cannot be read (no key that could go stale). ``kind`` says what is kept: the
    whole validated knowledge, or one words file (``words``)."""
    code = _code_digest()
    if code is None:
        return None
    h = hashlib.sha256(code + kind.encode() + b"\0")
    for stem in sorted(files):
        h.update(stem.encode() + b"\0" + files[stem] + b"\0")
    return h.hexdigest()


def _path(key: str) -> Path:
    return cache_dir() / f"{_PREFIX}{key}{_SUFFIX}"


def read_cached(key: str | None) -> tuple[str, dict[str, Any]] | None:
    """``(version, data)`` kept under ``key``, or ``None`` if there is none that is whole."""
    if key is None:
        return None
    try:
        payload = pickle.loads(_path(key).read_bytes())
    except Exception:  # missing, unreadable or corrupt (a pickle can raise almost anything)
        return None
    if not (isinstance(payload, tuple) and len(cast("tuple[Any, ...]", payload)) == 3):
        return None
    stored_key, version, data = cast("tuple[Any, Any, Any]", payload)
    if stored_key != key or not isinstance(version, str) or not isinstance(data, dict):
        return None
    return version, cast("dict[str, Any]", data)


def write_cached(key: str | None, version: str, data: dict[str, Any]) -> None:
    """Keep ``(version, data)`` under ``key``: written whole (a temporary file of its own,
    renamed into place) or not at all. Never raises: a cache that cannot be written is
    only slower."""
    if key is None:
        return
    tmp: str | None = None
    try:
        import tempfile

        blob = pickle.dumps((key, version, data), protocol=pickle.HIGHEST_PROTOCOL)
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{_PREFIX}", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, _path(key))
        tmp = None
        _prune(folder, keep=_path(key).name)
    except Exception:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(folder: Path, *, keep: str) -> None:
    """Keep the entry just written and the :data:`KEEP` - 1 newest others (each changed
    knowledge file or code leaves an entry behind)."""
    others: list[tuple[float, Path]] = []
    for path in folder.glob(f"{_PREFIX}*{_SUFFIX}"):
        if path.name == keep:
            continue
        try:
            others.append((path.stat().st_mtime, path))
        except OSError:
            continue
    others.sort(reverse=True)
    for _, path in others[KEEP - 1:]:
        with contextlib.suppress(OSError):
            path.unlink()
