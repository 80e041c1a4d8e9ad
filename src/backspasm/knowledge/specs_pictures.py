"""Spec for pictures.yaml: what each line drawing shows, its caption and text alternative,
and where it is shown (plan steps, Learn sections and stretches, timers).

Cross-checks: every place a picture names exists; every stretch in education.yaml and every
timer in plan.yaml has a picture; file names are plain SVG names, each used once. The SVG
files themselves are checked where they are read (``backspasm.web.pictures``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from backspasm.knowledge.schema import ListOf, NonEmptyStr, Obj

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

__all__ = ["FILES", "CHECKS", "PLACES", "places"]

_IDS = ListOf(NonEmptyStr(), min_items=1)

#: The kinds of place a picture can be shown in (keys of ``shows``), and one of each.
PLACES = ("steps", "sections", "stretches", "timers")
_ONE = {"steps": "step", "sections": "section", "stretches": "stretch", "timers": "timer"}

PICTURE = Obj(
    required={
        "id": NonEmptyStr(),
        "file": NonEmptyStr(),
        "title": NonEmptyStr(),
        "alt": NonEmptyStr(),
        "shows": Obj(optional={place: _IDS for place in PLACES}),
        "sources": ListOf(NonEmptyStr(), min_items=1),
    }
)

FILES = {"pictures": Obj(required={"pictures": ListOf(PICTURE, min_items=1)})}

_FILE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.svg")
#: A text alternative says what the drawing shows in a sentence or more.
_ALT_MIN_WORDS = 6


def places(kb: Knowledge) -> dict[str, set[str]]:
    """The ids a picture may name, per kind of place."""
    plan: dict[str, Any] = kb.data["plan"]
    edu: dict[str, Any] = kb.data["education"]
    sections: list[dict[str, Any]] = edu["sections"]
    return {
        "steps": {str(s["id"]) for s in plan["steps"]},
        "sections": {str(s["id"]) for s in sections},
        "stretches": {str(st["id"]) for s in sections for st in s.get("stretches", [])},
        "timers": {str(k["timer"]) for k in plan["session_kinds"] if "timer" in k},
    }


def check_pictures(kb: Knowledge) -> list[str]:
    pictures: list[dict[str, Any]] = kb.data["pictures"]["pictures"]
    known = places(kb)
    problems: list[str] = []
    seen_ids: set[str] = set()
    seen_files: set[str] = set()
    shown: dict[str, set[str]] = {place: set() for place in PLACES}
    for i, pic in enumerate(pictures):
        where = f"pictures.yaml: pictures[{i}] (id {pic['id']!r})"
        if pic["id"] in seen_ids:
            problems.append(f"{where}: duplicate id {pic['id']!r}")
        seen_ids.add(pic["id"])
        if not _FILE_NAME.fullmatch(pic["file"]):
            problems.append(f"{where}: file {pic['file']!r} is not a plain name ending .svg")
        elif pic["file"] in seen_files:
            problems.append(f"{where}: file {pic['file']!r} is used twice")
        seen_files.add(pic["file"])
        if len(pic["alt"].split()) < _ALT_MIN_WORDS:
            problems.append(f"{where}: alt should say what the drawing shows "
                            f"(at least {_ALT_MIN_WORDS} words)")
        if not pic["shows"]:
            problems.append(f"{where}: shows: name at least one place")
        for place, ids in pic["shows"].items():
            for pid in ids:
                if pid not in known[place]:
                    problems.append(f"{where}: shows.{place}: unknown {_ONE[place]} {pid!r}")
                shown[place].add(pid)
    for place in ("stretches", "timers"):
        problems += [f"pictures.yaml: no picture for the {_ONE[place]} {pid!r}"
                     for pid in sorted(known[place] - shown[place])]
    return problems


CHECKS = [check_pictures]
