"""JSON objects that name each field once.

Python's parser keeps the last of two members with the same name: ``{"chest_pain": true,
"chest_pain": false}`` would read as no chest pain, a warning sign dropped without a word.
Every door that reads JSON a person or a program wrote (the triage answers, the API's
bodies, an imported diary) parses it with :func:`unique_object` and refuses such a body,
naming the field.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DuplicateField", "unique_object"]


class DuplicateField(ValueError):
    """A JSON object gives the field ``name`` more than once."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name}: given more than once")
        self.name = name


def unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for :func:`json.loads`: the object, or :class:`DuplicateField`
    for the first name given twice."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise DuplicateField(name)
            seen.add(name)
    return obj
