"""Spec for cli.yaml: the words the command line prints (messages, headings, labels).

Groups of texts by command. A text is a string with ``{name}`` placeholders filled when it
is shown (:func:`backspasm.knowledge.messages.say`), or a plural: one form per CLDR
category (``one``, ``other``) chosen by the number (:func:`~backspasm.knowledge.formats.plural`).
"""

from __future__ import annotations

from backspasm.knowledge.schema import MapOf, NonEmptyStr, Obj, OneOf

PLURAL = Obj(required={"one": NonEmptyStr(), "other": NonEmptyStr()})

FILES = {
    "cli": MapOf(MapOf(OneOf(NonEmptyStr(), PLURAL, name="text or plural forms"))),
}
