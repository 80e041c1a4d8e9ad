"""Spec for web.yaml: the words of the web pages that carry clinical meaning.

Buttons and headings such as "Continue" live in the templates; anything that tells a
person what a symptom means or what to do lives here, with its sources.
"""

from __future__ import annotations

from backspasm.knowledge.schema import ListOf, NonEmptyStr, Obj

_SOURCES = ListOf(NonEmptyStr(), min_items=1)

FILES = {
    "web": Obj(
        required={
            "start": Obj(
                required={
                    "heading": NonEmptyStr(),
                    "lead": NonEmptyStr(),
                    "is": ListOf(NonEmptyStr(), min_items=1),
                    "is_not": ListOf(NonEmptyStr(), min_items=1),
                    "sources": _SOURCES,
                }
            ),
            # The signs are generated from the emergency rules (rules.yaml `sign`).
            "emergency_signs": Obj(
                required={
                    "heading": NonEmptyStr(),
                    "intro": NonEmptyStr(),
                    "levels": Obj(
                        required={"emergency_ambulance": NonEmptyStr(), "emergency": NonEmptyStr()}
                    ),
                }
            ),
        }
    ),
}

