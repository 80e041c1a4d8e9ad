"""The line drawings (``static/pictures/*.svg``, described in ``knowledge/pictures.yaml``),
read once per loaded knowledge and shown inline, so that their strokes (``currentColor``)
follow the page's text colour: dark mode and print need nothing of their own.

Each file is checked when it is read: an ``<svg>`` with a ``viewBox`` and a ``<title>``, in
``currentColor`` only (no colour of its own that could vanish on a dark page), no digits in
its text (numbers are said by the caption, from the settings), nothing that runs or loads.
A broken file stops the app at start-up with the file and the problem named.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

__all__ = ["PICTURE_DIR", "Picture", "PictureError", "pictures_for", "picture_index",
           "read_svg"]

PICTURE_DIR = Path(__file__).parent / "static" / "pictures"
_SVG = "{http://www.w3.org/2000/svg}"
#: Paint values a drawing may use: the text colour, or nothing.
_PAINTS = {"currentColor", "none"}
_ALLOWED = {"svg", "title", "g", "path", "circle", "ellipse", "rect", "line", "polyline",
            "polygon", "text"}


class PictureError(ValueError):
    """A picture file is missing or not drawn the way the pages need."""


@dataclass(frozen=True)
class Picture:
    """One drawing as shown: its id, caption (``title``), text alternative and markup."""

    id: str
    title: str
    alt: str
    svg: Markup
    sources: tuple[str, ...]


def read_svg(path: Path) -> str:
    """The file's ``<svg>`` element as text, after checking it (:class:`PictureError`)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        root = ET.fromstring(text)
    except (OSError, ET.ParseError) as exc:
        raise PictureError(f"{name}: cannot read the drawing: {exc}") from None
    if root.tag != f"{_SVG}svg":
        raise PictureError(f"{name}: expected an <svg> element with the SVG namespace")
    if not re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox", "")):
        raise PictureError(f"{name}: expected viewBox=\"0 0 width height\"")
    for attr in ("width", "height"):
        if attr in root.attrib:  # the page sets the size: the drawing fits any screen
            raise PictureError(f"{name}: no fixed {attr} (the viewBox sets the shape)")
    title = root.find(f"{_SVG}title")
    if title is None or not (title.text or "").strip():
        raise PictureError(f"{name}: expected a <title> saying what it shows")
    for el in root.iter():
        tag = el.tag.removeprefix(_SVG)
        if tag not in _ALLOWED:
            raise PictureError(f"{name}: <{tag}> is not allowed (plain shapes only)")
        for attr in ("fill", "stroke", "color", "style"):
            value = el.get(attr)
            if value is not None and (attr == "style" or value not in _PAINTS):
                raise PictureError(f"{name}: <{tag} {attr}=\"{value}\">: use currentColor "
                                   "(the page's text colour) so it works in dark mode")
        if any(a.endswith("href") for a in el.attrib):
            raise PictureError(f"{name}: <{tag}> links elsewhere; a drawing stands alone")
        if tag == "text" and re.search(r"\d", "".join(el.itertext())):
            raise PictureError(f"{name}: numbers belong in the caption (pictures.yaml), "
                               "not in the drawing")
    start = text.index("<svg")
    return text[start:].strip()


def _inline(svg: str, alt: str) -> Markup:
    """The drawing for inline use: an image with ``alt`` as its name, never focused."""
    opening = (f'<svg class="bs-picture__svg" role="img" aria-label="{escape(alt)}" '
               'focusable="false"')
    return Markup(svg.replace("<svg", opening, 1))


def picture_index(kb: Knowledge,
                  directory: Path = PICTURE_DIR) -> dict[tuple[str, str], tuple[Picture, ...]]:
    """(place, id) → the pictures shown there, in file order; e.g. ``("timers", "ice")``."""

    def build(kb: Knowledge) -> dict[tuple[str, str], tuple[Picture, ...]]:
        index: dict[tuple[str, str], list[Picture]] = {}
        for pic in kb["pictures"]["pictures"]:
            item: dict[str, Any] = pic
            shown = Picture(id=item["id"], title=item["title"], alt=item["alt"],
                            svg=_inline(read_svg(directory / item["file"]), item["alt"]),
                            sources=tuple(item["sources"]))
            for place, ids in item["shows"].items():
                for pid in ids:
                    index.setdefault((place, pid), []).append(shown)
        return {key: tuple(value) for key, value in index.items()}

    if directory != PICTURE_DIR:
        return build(kb)
    return kb.compile("web.pictures", build)


def pictures_for(kb: Knowledge, place: str, pid: str) -> tuple[Picture, ...]:
    """The pictures shown with the step, section, stretch or timer ``pid`` (may be none)."""
    return picture_index(kb).get((place, pid), ())
