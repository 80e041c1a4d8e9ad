"""Numbers in text come from the settings: placeholders filled at load time.

A text may say ``{acute_hours}`` or ``{ice_minutes}``; :func:`prepare` fills these from
``plan.yaml`` (settings and session timings) and ``thresholds.yaml`` (ages), so changing a
setting can never leave a sentence wrong. Before filling, it looks for a literal number in
a text that repeats a setting ("72 hours", "3 days", "20 minutes", "under 16") and reports
it: such a sentence would go stale when the setting changes. Placeholders that are not
settings (``{emergency_number}`` and the other region words) are left for the care cards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from backspasm.knowledge.schema import as_list, as_map

__all__ = ["fill", "placeholder_values", "prepare", "REGION_PLACEHOLDERS"]

REGION_PLACEHOLDERS = frozenset(
    {"emergency_number", "emergency_department", "urgent_help", "region_name"}
)
#: Filled when the text is shown: ``{what}`` in care_cards.yaml ``unsure_reason`` is the
#: question's ``unsure_text`` (core.triage.unsure_reading); the limits and the care kind in
#: web.yaml ``form_errors`` come from the page that refuses the field.
_SHOWN_PLACEHOLDERS = frozenset({"what", "minimum", "maximum", "minutes", "kind", "kinds",
                                 "got"})
#: Keys whose values are not text a person reads (ids, conditions, developer notes).
_NOT_TEXT = frozenset({
    "id", "sources", "note", "notes", "when", "if", "to", "next", "kind", "field", "value",
    "level", "origin", "unit", "section", "default", "only_if", "avoid_if", "url",
    "year", "citation", "content_version", "last_reviewed", "changelog", "position",
    "region_words_sources", "care_kinds", "care_kind", "timer",
})
_PLACEHOLDER = re.compile(r"{(\w*)}")
_UNIT = re.compile(r"(?<![\w.{])(\d+(?:\.\d+)?)\s*(hours?|days?|minutes?|times|rounds?|seconds?)\b")
_AGE = re.compile(r"\b(?:under|over|aged)\s+(\d+)\b|\b(\d+)\s+(?:and|or)\s+over\b")


def _num(value: float) -> str:
    return f"{value:g}"


def _timing(plan: dict[str, Any], kind: str, name: str) -> float:
    for k in plan["session_kinds"]:
        if k["kind"] == kind:
            return float(k["timing"][name]["value"])
    raise KeyError(f"{kind}.{name}")


def placeholder_values(data: dict[str, Any]) -> dict[str, tuple[float, str]]:
    """Placeholder name -> (number, unit word it is written with, or "age")."""
    plan = data["plan"]
    s = {k: v["value"] for k, v in plan["settings"].items()}
    th = {t["id"]: t["value"] for t in data["thresholds"]["thresholds"]}
    return {
        "acute_hours": (s["acute_hours"], "hour"),
        "acute_days": (s["acute_hours"] / 24, "day"),
        "rest_days_max": (s["rest_days_max"], "day"),
        "horizon_days": (s["horizon_days"], "day"),
        "ice_minutes": (_timing(plan, "ice", "minutes"), "minute"),
        "ice_gap_hours": (_timing(plan, "ice", "gap_minutes") / 60, "hour"),
        "ice_gap_minutes": (_timing(plan, "ice", "gap_minutes"), "minute"),
        "heat_minutes": (_timing(plan, "heat", "minutes"), "minute"),
        "heat_max_minutes": (_timing(plan, "heat", "max_minutes"), "minute"),
        "heat_per_day": (_timing(plan, "heat", "per_day"), "time"),
        "heat_gap_hours": (_timing(plan, "heat", "min_start_gap_minutes") / 60, "hour"),
        "contrast_rounds": (_timing(plan, "contrast_shower", "rounds"), "round"),
        "contrast_cold_seconds": (_timing(plan, "contrast_shower", "cold_seconds"), "second"),
        "contrast_minutes": (_timing(plan, "contrast_shower", "minutes"), "minute"),
        "adult_age": (th["adult_age"], "age"),
        "older_age": (th["older_age"], "age"),
    }


def _texts(node: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, container, key) of every text string, so it can be read and replaced."""
    mapping, items = as_map(node), as_list(node)
    if mapping is not None:
        for k, v in mapping.items():
            if k in _NOT_TEXT:
                continue
            if isinstance(v, str):
                yield f"{path}.{k}", node, k
            else:
                yield from _texts(v, f"{path}.{k}")
    elif items is not None:
        for i, v in enumerate(items):
            item = as_map(v)
            label = f" (id {item['id']!r})" if item is not None and "id" in item else ""
            if isinstance(v, str):
                yield f"{path}[{i}]", node, i
            else:
                yield from _texts(v, f"{path}[{i}]{label}")


#: A setting placeholder and the counted word after it ("{heat_per_day} times").
_COUNTED = re.compile(r"{(\w+)}(\s+(?:heat |ice )?)(hours|days|minutes|times|rounds|seconds"
                      r"|sessions)\b")
_ONE = {"times": "time"}


def fill(text: str, values: dict[str, tuple[float, str]]) -> str:
    """``text`` with the setting placeholders filled; a counted word after one agrees with
    the number through the locale's plural rules ("1 time", "1 minute", "2 minutes")."""
    from backspasm.knowledge.formats import plural

    def counted(m: re.Match[str]) -> str:
        name, gap, word = m.group(1), m.group(2), m.group(3)
        if name not in values:
            return m.group(0)
        one = _ONE.get(word, word.removesuffix("s"))
        return plural(values[name][0], {"one": "{n}" + gap + one, "other": "{n}" + gap + word})

    text = _COUNTED.sub(counted, text)
    return _PLACEHOLDER.sub(
        lambda m: _num(values[m.group(1)][0]) if m.group(1) in values else m.group(0), text)


def prepare(data: dict[str, Any]) -> list[str]:
    """Check every text for literal numbers that repeat a setting and for unknown
    placeholders, then fill the setting placeholders in place. Returns the problems."""
    values = placeholder_values(data)
    by_unit = {(round(v, 6), u) for v, u in values.values()}
    # Words filled per region when steps are shown (plan.yaml region_words).
    region_words = {k for w in data["plan"].get("region_words", {}).values() for k in w}
    shown_later = REGION_PLACEHOLDERS | _SHOWN_PLACEHOLDERS | region_words
    problems: list[str] = []
    for stem, content in data.items():
        if stem in ("sources", "thresholds", "meta", "cli", "pages"):
            continue  # cli.yaml, pages.yaml: placeholders filled when shown (specs_words)
        for path, holder, key in _texts(content, f"{stem}.yaml"):
            text = holder[key]
            for m in _UNIT.finditer(text):
                unit = m.group(2).rstrip("s") if m.group(2) != "times" else "time"
                if (round(float(m.group(1)), 6), unit) in by_unit:
                    problems.append(
                        f"{path}: the number in {m.group(0)!r} repeats a setting; "
                        "use its placeholder"
                    )
            for m in _AGE.finditer(text):
                age = float(m.group(1) or m.group(2))
                if (age, "age") in by_unit:
                    problems.append(
                        f"{path}: the age in {m.group(0)!r} repeats a threshold; "
                        "use {adult_age} or {older_age}"
                    )
            for name in _PLACEHOLDER.findall(text):
                if name not in values and name not in shown_later:
                    problems.append(f"{path}: unknown placeholder {{{name}}}")
            if not problems:
                holder[key] = fill(text, values)
    return problems
