"""Spec for the words files: cli.yaml (what the command line prints) and pages.yaml (web
page words filled when shown: the pain chart, answers read back). Words that carry no
clinical meaning, with placeholders filled when they are shown.

Each file is groups of texts. A text is a string with ``{name}`` placeholders (filled by
:func:`backspasm.knowledge.messages.say`), or a plural: one form per CLDR category
(``one``, ``other``) chosen by the number (:func:`~backspasm.knowledge.formats.plural`).
"""

from __future__ import annotations

from backspasm.knowledge.schema import MapOf, NonEmptyStr, Obj, OneOf, Spec

PLURAL = Obj(required={"one": NonEmptyStr(), "other": NonEmptyStr()})
WORDS: Spec = MapOf(MapOf(OneOf(NonEmptyStr(), PLURAL, name="text or plural forms")))

#: Files whose ``{placeholders}`` are filled when shown, not from the settings at load.
STEMS = ("cli", "pages")

FILES = {stem: WORDS for stem in STEMS}
