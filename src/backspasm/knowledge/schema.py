"""A small typed schema language for the knowledge files, checked at load time.

Why not JSON Schema: importing ``jsonschema`` costs ~100 ms, more than the whole CLI
budget for a triage run. This covers what the knowledge files need — typed fields,
required keys, no unknown keys, enums, lists and maps — and names the exact path of
every problem ("rules.yaml: rules[3] (id 'chest-pain'): unknown field 'levle'").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast


class KnowledgeError(ValueError):
    """A knowledge file is malformed. The message names the file and the item."""


# Parsed YAML is untyped: after an isinstance check the type checker still cannot know the
# items' types. These two say "a list / a mapping of YAML values", the one place we say so.
def as_list(value: object) -> list[Any] | None:
    """``value`` if it is a list (of parsed YAML values), else ``None``."""
    return cast("list[Any]", value) if isinstance(value, list) else None


def as_map(value: object) -> dict[Any, Any] | None:
    """``value`` if it is a mapping (of parsed YAML values), else ``None``."""
    return cast("dict[Any, Any]", value) if isinstance(value, dict) else None


@dataclass(frozen=True)
class Spec:
    """One node of the schema: ``check(value, path)`` returns a list of problems."""

    check: Callable[[Any, str], list[str]]


def _type(name: str, pytype: type | tuple[type, ...], reject_bool: bool = False) -> Spec:
    def check(value: Any, path: str) -> list[str]:
        if (reject_bool and isinstance(value, bool)) or not isinstance(value, pytype):
            return [f"{path}: expected {name}, got {type(value).__name__} {value!r}"]
        return []

    return Spec(check)


Str = _type("a string", str)
Int = _type("an integer", int, reject_bool=True)
Num = _type("a number", (int, float), reject_bool=True)
Bool = _type("true or false", bool)
Any_ = Spec(lambda value, path: [])


def NonEmptyStr() -> Spec:
    def check(value: Any, path: str) -> list[str]:
        if not isinstance(value, str) or not value.strip():
            return [f"{path}: expected a non-empty string, got {value!r}"]
        return []

    return Spec(check)


def Enum(*values: Any) -> Spec:
    def check(value: Any, path: str) -> list[str]:
        if isinstance(value, bool) and not any(isinstance(v, bool) for v in values):
            return [f"{path}: expected one of {list(values)}, got {value!r}"]
        if value not in values:
            return [f"{path}: expected one of {list(values)}, got {value!r}"]
        return []

    return Spec(check)


def ListOf(item: Spec, min_items: int = 0) -> Spec:
    def check(value: Any, path: str) -> list[str]:
        items = as_list(value)
        if items is None:
            return [f"{path}: expected a list, got {type(value).__name__}"]
        if len(items) < min_items:
            return [f"{path}: expected at least {min_items} item(s)"]
        problems: list[str] = []
        for i, v in enumerate(items):
            problems += item.check(v, f"{path}[{i}]{item_label(v)}")
        return problems

    return Spec(check)


def MapOf(item: Spec) -> Spec:
    """A mapping with free string keys (e.g. ids) and values of one spec."""

    def check(value: Any, path: str) -> list[str]:
        mapping = as_map(value)
        if mapping is None:
            return [f"{path}: expected a mapping, got {type(value).__name__}"]
        problems: list[str] = []
        for k, v in mapping.items():
            if not isinstance(k, str):
                problems.append(f"{path}: key {k!r} is not a string")
            problems += item.check(v, f"{path}.{k}")
        return problems

    return Spec(check)


def OneOf(*specs: Spec, name: str = "value") -> Spec:
    def check(value: Any, path: str) -> list[str]:
        first: list[str] | None = None
        for s in specs:
            problems = s.check(value, path)
            if not problems:
                return []
            first = first or problems
        return first or [f"{path}: not a valid {name}"]

    return Spec(check)


@dataclass(frozen=True)
class _ObjSpec:
    required: dict[str, Spec]
    optional: dict[str, Spec] = field(default_factory=dict[str, Spec])


def Obj(required: dict[str, Spec] | None = None, optional: dict[str, Spec] | None = None) -> Spec:
    """A mapping with known keys: required ones must be present, unknown ones are errors."""
    req = required or {}
    opt = optional or {}

    def check(value: Any, path: str) -> list[str]:
        mapping = as_map(value)
        if mapping is None:
            return [f"{path}: expected a mapping, got {type(value).__name__}"]
        problems: list[str] = []
        for k in mapping:
            if k not in req and k not in opt:
                allowed = ", ".join(sorted([*req, *opt]))
                problems.append(f"{path}: unknown field {k!r} (allowed: {allowed})")
        for k, s in req.items():
            if k not in mapping:
                problems.append(f"{path}: missing required field {k!r}")
            else:
                problems += s.check(mapping[k], f"{path}.{k}")
        for k, s in opt.items():
            if k in mapping:
                problems += s.check(mapping[k], f"{path}.{k}")
        return problems

    return Spec(check)


def item_label(v: Any) -> str:
    """`` (id 'x')`` for a list item with a string ``id``, for naming it in a problem."""
    mapping = as_map(v)
    if mapping is not None and isinstance(mapping.get("id"), str):
        return f" (id {mapping['id']!r})"
    return ""


def validate(spec: Spec, value: Any, filename: str) -> None:
    """Raise :class:`KnowledgeError` listing every problem of ``value`` against ``spec``."""
    problems = spec.check(value, filename)
    if problems:
        raise KnowledgeError("invalid knowledge file:\n  " + "\n  ".join(problems))
