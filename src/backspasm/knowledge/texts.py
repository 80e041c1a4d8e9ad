"""Every user-facing text in the knowledge files, for the reading-level test and benchmark.

:func:`user_texts` walks the validated knowledge and yields one :class:`Text` per string a
person (or a GP reading the report) can see: titles, rule reasons, advice, question
wording, cards, Learn sections. Developer fields (``note``, ``notes``, ``id``, ``sources``,
field names and values, ``when`` conditions) are not user-facing and are skipped.
Evidence notes (the research behind a step) are marked ``evidence``: they may be a little
harder to read (grade 8 rather than 6).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from backspasm.knowledge.schema import as_list, as_map

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

__all__ = ["Text", "user_texts", "SKIP_KEYS", "SKIP_FILES"]

#: Keys whose values a person never sees.
SKIP_KEYS = frozenset({
    "id", "sources", "note", "notes", "when", "if", "to", "next", "kind", "field", "value",
    "phase", "phases", "level", "origin", "unit", "section", "default", "emergency",
    "requires_easing", "only_if", "avoid_if", "min", "max", "end_alarm_kinds", "url", "year",
    "citation", "content_version", "last_reviewed", "licence", "reviewers", "changelog",
    "signed_off", "careplan_sources", "position", "review", "region_words_sources",
    "care_kinds", "care_kind", "timer", "file", "shows",
})
#: Files that hold no user-facing prose (sources are titles of published works).
SKIP_FILES = frozenset({"sources", "thresholds"})


@dataclass(frozen=True)
class Text:
    """One user-facing string: where it is (``file``, ``path``) and whether it is evidence."""

    file: str
    path: str
    text: str
    evidence: bool


def _walk(node: Any, path: str, file: str, evidence: bool) -> Iterator[Text]:
    if isinstance(node, str):
        yield Text(file, path, node, evidence)
    elif (mapping := as_map(node)) is not None:
        for key, value in mapping.items():
            if key in SKIP_KEYS:
                continue
            yield from _walk(value, f"{path}.{key}", file, evidence or key == "evidence")
    elif (items := as_list(node)) is not None:
        for i, value in enumerate(items):
            item = as_map(value)
            label = f"[{item['id']}]" if item is not None and "id" in item else f"[{i}]"
            yield from _walk(value, f"{path}{label}", file, evidence)


def user_texts(kb: Knowledge) -> Iterator[Text]:
    """Every user-facing text of ``kb`` (a loaded :class:`~backspasm.knowledge.Knowledge`)."""
    for stem in sorted(kb.data):
        if stem in SKIP_FILES:
            continue
        yield from _walk(kb.data[stem], "", f"{stem}.yaml", False)


#: Flesch-Kincaid grade limits: every text, and evidence notes.
GRADE_LIMIT = 6.0
EVIDENCE_GRADE_LIMIT = 8.0
#: Below this many words a grade formula says little; short texts (titles, labels) are
#: checked word by word instead: no word of 4 or more syllables unless it is in
#: ``LONG_WORDS_OK`` (words a person knows, or that are explained where first used).
MIN_WORDS_FOR_GRADE = 8
LONG_WORDS_OK = frozenset({
    "emergency", "physiotherapy", "physiotherapist", "osteoporosis", "ibuprofen",
    "paracetamol", "acetaminophen", "anti-inflammatory", "ambulance", "appointment",
    "immediately", "medicines", "medicine", "unbearable", "temperature", "sciatica",
    "diagnosis", "unsupported",
})
_EXAMPLE_REGION = {
    "emergency_number": "999",
    "emergency_department": "A&E",
    "urgent_help": "call 111",
    "region_name": "the UK",
    "paracetamol": "paracetamol",
    "naproxen_rule": "In the UK you need a prescription for it for back pain.",
    # Filled by the page that refuses a form field (web.yaml form_errors).
    "minimum": "10",
    "maximum": "60",
    "minutes": "5",
    "kind": "ice",
}
#: A time-zone name (``Europe/London``) is read as one short name, not as long words.
_ZONE_NAME = re.compile(r"\b[A-Z][A-Za-z]+/[A-Za-z_/]+")


def as_read(text: str) -> str:
    """The text as a person reads it (region placeholders filled with the UK's words, the
    limits of a form with example numbers, time-zone names as a short place name)."""
    for key, value in _EXAMPLE_REGION.items():
        text = text.replace("{" + key + "}", value)
    return _ZONE_NAME.sub("Leeds", text)


class _TextStat(Protocol):
    """What we use of textstat, which ships no type information."""

    def flesch_kincaid_grade(self, text: str) -> float: ...
    def syllable_count(self, text: str) -> int: ...


def _textstat() -> _TextStat:
    import importlib

    return cast("_TextStat", importlib.import_module("textstat"))


def grade(text: str) -> float:
    """Flesch-Kincaid grade of ``text`` as read (textstat)."""
    return float(_textstat().flesch_kincaid_grade(as_read(text)))


def long_words(text: str) -> list[str]:
    """Words of 4 or more syllables not in :data:`LONG_WORDS_OK`."""
    import re

    ts = _textstat()
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", as_read(text))
    return [w for w in words if w.lower() not in LONG_WORDS_OK and ts.syllable_count(w) >= 4]


def reading_problems(kb: Knowledge) -> list[tuple[float, Text, str]]:
    """Every text over its limit: (grade or 0, the text, what is wrong)."""
    out: list[tuple[float, Text, str]] = []
    for t in user_texts(kb):
        if len(as_read(t.text).split()) >= MIN_WORDS_FOR_GRADE:
            g = grade(t.text)
            limit = EVIDENCE_GRADE_LIMIT if t.evidence else GRADE_LIMIT
            if g > limit:
                out.append((g, t, f"grade {g:.1f} > {limit:g}"))
        elif hard := long_words(t.text):
            out.append((0.0, t, f"long words {hard}"))
    return out
