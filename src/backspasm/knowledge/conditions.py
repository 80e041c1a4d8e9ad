"""The rules' condition language, checked against the answer fields.

A condition is a tree of ``all`` / ``any`` / ``not`` over leaf operators on the answer
fields of ``answers.schema.json`` (and the facts the engine derives from them). Rules,
question routes and the ``avoid_if`` / ``only_if`` of advice all use it; a misspelt field,
an unknown operator or threshold, or a value of the wrong type fails at load time.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from backspasm.knowledge.schema import as_list, as_map

__all__ = [
    "DERIVED_FACTS",
    "LEAF_OPERATORS",
    "FieldInfo",
    "answer_fields",
    "answers_schema",
    "condition_problems",
]

#: Facts the engine derives from the answers; conditions may use them like answer fields.
DERIVED_FACTS = {"hours_since_onset": "number"}
#: Leaf operators and the kind of field each applies to.
LEAF_OPERATORS = {
    "flag": "boolean",
    "equals": "any",
    "one_of": "any",
    "at_least": "number",
    "more_than": "number",
    "at_most": "number",
    "less_than": "number",
}


class FieldInfo:
    """The type of one answer field, read from answers.schema.json."""

    __slots__ = ("name", "kind", "enum", "minimum", "maximum")

    def __init__(self, name: str, prop: dict[str, Any]) -> None:
        self.name = name
        self.enum: tuple[Any, ...] | None = tuple(prop["enum"]) if "enum" in prop else None
        if self.enum is not None:
            self.kind = "enum"
        elif prop.get("format") == "date-time":
            self.kind = "datetime"
        else:
            self.kind = str(prop["type"])  # boolean | integer
        self.minimum: int | None = prop.get("minimum")
        self.maximum: int | None = prop.get("maximum")


@lru_cache(maxsize=1)
def answers_schema() -> dict[str, Any]:
    """Our copy of the answers contract (JSON Schema, draft 2020-12), read once."""
    path = Path(__file__).with_name("answers.schema.json")
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def answer_fields() -> dict[str, FieldInfo]:
    """Answer field name → its type, in the schema's order."""
    props = answers_schema()["properties"]
    return {name: FieldInfo(name, prop) for name, prop in props.items()}


def _field_kind(name: str) -> str | None:
    if name in DERIVED_FACTS:
        return DERIVED_FACTS[name]
    info = answer_fields().get(name)
    if info is None or name == "now":
        return None
    return {"integer": "number"}.get(info.kind, info.kind)


def condition_problems(cond: Any, path: str, thresholds: set[str]) -> list[str]:
    """Every problem of a condition tree (unknown operator, field, threshold, wrong type)."""
    mapping = as_map(cond)
    if mapping is None or len(mapping) != 1:
        return [f"{path}: expected a mapping with exactly one operator, got {cond!r}"]
    ((op, arg),) = mapping.items()
    if op in ("all", "any"):
        subs = as_list(arg)
        if not subs:
            return [f"{path}.{op}: expected a non-empty list of conditions"]
        out: list[str] = []
        for i, sub in enumerate(subs):
            out += condition_problems(sub, f"{path}.{op}[{i}]", thresholds)
        return out
    if op == "not":
        return condition_problems(arg, f"{path}.not", thresholds)
    if op not in LEAF_OPERATORS:
        known = ", ".join(["all", "any", "not", *LEAF_OPERATORS])
        return [f"{path}: unknown operator {op!r} (known: {known})"]
    want = LEAF_OPERATORS[op]
    pair = as_list(arg)
    name: Any
    operand: Any
    if op == "flag":
        name, operand = arg, None
    elif pair is not None and len(pair) == 2:
        name, operand = pair
    else:
        return [f"{path}.{op}: expected [field, value], got {arg!r}"]
    if not isinstance(name, str):
        return [f"{path}.{op}: expected an answer field name, got {name!r}"]
    kind = _field_kind(name)
    if kind is None:
        return [f"{path}.{op}: unknown answer field {name!r}"]
    if want != "any" and kind != want:
        return [f"{path}.{op}: operator {op!r} needs a {want} field, {name!r} is {kind}"]
    if op in ("equals", "one_of"):
        values = as_list(operand) if op == "one_of" else [operand]
        if values is None:
            return [f"{path}.{op}: expected [field, [values]], got {arg!r}"]
        info = answer_fields()[name] if name in answer_fields() else None
        out = []
        for v in values:
            if info is not None and info.enum is not None and v not in info.enum:
                out.append(f"{path}.{op}: {v!r} is not a value of {name!r} {list(info.enum)}")
            elif kind == "number" and (isinstance(v, bool) or not isinstance(v, int | float)):
                out.append(f"{path}.{op}: {name!r} is a number, got {v!r}")
            elif kind == "boolean" and not isinstance(v, bool):
                out.append(f"{path}.{op}: {name!r} is true or false, got {v!r}")
        return out
    if op == "flag":
        return []
    ref = as_map(operand)
    if ref is not None:
        if set(ref) != {"threshold"}:
            return [f"{path}.{op}: expected a number or {{threshold: id}}, got {operand!r}"]
        if ref["threshold"] not in thresholds:
            return [f"{path}.{op}: unknown threshold {operand['threshold']!r}"]
        return []
    if isinstance(operand, bool) or not isinstance(operand, int | float):
        return [f"{path}.{op}: expected a number or {{threshold: id}}, got {operand!r}"]
    return []
