"""Typer's rich help without the parts of rich it imports but our help never uses.

Typer formats ``--help`` and usage errors with ``typer.rich_utils``, which imports
``rich.markdown`` (markdown-it and Pygments) and ``rich.traceback`` (attrs) at its top. Our
app uses neither: its markup mode is "rich", not "markdown", and pretty exceptions are off.
Measured on this machine, those imports are about 40 ms of CPU of a 125 ms
``backspasm --help``, a quarter of the command's time: the reason for this module.

:func:`install` adds a one-shot import hook: while ``typer.rich_utils`` itself is being
imported, ``rich.markdown`` and ``rich.traceback`` (when not imported already) are stand-in
modules whose ``Markdown`` and ``Traceback`` import the real class the first time they are
used (called, or an attribute read), then the stand-ins are taken out of ``sys.modules``
again, so any later import gets the real module. The help text and its layout are Typer's
own, unchanged.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

__all__ = ["install", "DEFERRED"]

#: Module → the one name ``typer.rich_utils`` imports from it.
DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}
_TARGET = "typer.rich_utils"


class _Deferred(type):
    """Metaclass of a stand-in class: attributes it lacks are read on the real class."""

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls.real(), name)  # type: ignore[attr-defined]


def _stand_in_module(module: str, name: str) -> ModuleType:
    def real() -> Any:
        return getattr(importlib.import_module(module), name)

    def new(cls: type, *args: Any, **kwargs: Any) -> Any:
        return real()(*args, **kwargs)

    cls = _Deferred(name, (), {"__new__": new, "real": staticmethod(real),
                               "__module__": module, "__doc__": f"Deferred {module}.{name}."})
    stand_in = ModuleType(module, f"Stand-in for {module} while {_TARGET} is imported.")
    setattr(stand_in, name, cls)
    return stand_in


class _Loader:
    """The real loader of ``typer.rich_utils``, run with the stand-ins in place."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, is_package …
        return getattr(self.loader, name)

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        placed = {m: _stand_in_module(m, name) for m, name in DEFERRED.items()
                  if m not in sys.modules}
        sys.modules.update(placed)
        try:
            self.loader.exec_module(module)
        finally:
            for m, stand_in in placed.items():
                if sys.modules.get(m) is stand_in:
                    del sys.modules[m]


class _Finder:
    """A one-shot meta path finder for ``typer.rich_utils``."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != _TARGET:
            return None
        _remove(self)
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = cast("Loader", _Loader(spec.loader))  # duck-typed: no importlib.abc
        return spec


def _remove(finder: _Finder) -> None:
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)


def install() -> None:
    """Defer the unused rich modules the next time ``typer.rich_utils`` is imported."""
    if _TARGET in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
