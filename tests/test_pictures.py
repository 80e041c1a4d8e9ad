"""The line drawings (issue 14): every file in static/pictures/ is drawn to the rules the
pages rely on (viewBox, title, currentColor only, no numbers, nothing that loads or runs);
pictures.yaml names only places that exist and gives every stretch and timer a picture; the
pages show them inline with their text alternative."""

from __future__ import annotations

import html as html_lib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from backspasm.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge, load_knowledge_from
from backspasm.web.pictures import PICTURE_DIR, PictureError, picture_index, read_svg
from web_helpers import make_client

KB = load_knowledge()
PICTURES = KB["pictures"]["pictures"]


def test_every_picture_file_is_drawn_to_the_rules() -> None:
    files = sorted(p.name for p in PICTURE_DIR.glob("*.svg"))
    assert files == sorted(p["file"] for p in PICTURES)  # none missing, none unused
    for name in files:
        svg = read_svg(PICTURE_DIR / name)
        assert 'stroke="currentColor"' in svg and "<title>" in svg


def test_the_drawings_show_what_the_protocol_says() -> None:
    """The resting positions are the two of the home-care article (pillows under the knees;
    lower legs on a chair seat), and the ice pack is wrapped, as the advice says."""
    shows = {p["id"]: p for p in PICTURES}
    resting = [p for p in PICTURES if "resting-positions" in p["shows"].get("steps", [])]
    assert [p["id"] for p in resting] == ["rest-pillows-under-knees", "rest-legs-on-chair"]
    assert "pillows under" in resting[0]["alt"].lower() and "chair" in resting[1]["alt"]
    assert "wrapped" in shows["ice-pack"]["alt"] and "20 minutes" in shows["ice-pack"]["title"]
    assert all(p["sources"] for p in PICTURES)


def _broken(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "broken.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" '
                    f'stroke="currentColor"><title>A drawing</title>{body}</svg>')
    return path


@pytest.mark.parametrize(("body", "problem"), [
    ('<path d="M0 0 H9" stroke="#000000"/>', "use currentColor"),
    ('<path d="M0 0 H9" style="stroke: red"/>', "use currentColor"),
    ('<text>20 minutes</text>', "numbers belong in the caption"),
    ('<script>alert(1)</script>', "<script> is not allowed"),
    ('<image href="https://example.org/x.png"/>', "<image> is not allowed"),
    ('<a href="https://example.org"><path d="M0 0"/></a>', "<a> is not allowed"),
])
def test_a_picture_that_breaks_the_rules_is_refused_by_name(tmp_path, body, problem) -> None:
    with pytest.raises(PictureError, match=re.escape(problem)) as err:
        read_svg(_broken(tmp_path, body))
    assert str(err.value).startswith("broken.svg: ")


def test_a_picture_needs_a_title_and_a_viewbox(tmp_path) -> None:
    path = tmp_path / "bare.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"/>')
    with pytest.raises(PictureError, match="<title>"):
        read_svg(path)
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10"><title>x</title></svg>')
    with pytest.raises(PictureError, match="viewBox"):
        read_svg(path)


def _knowledge_with(tmp_path: Path, change) -> Path:
    copy = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = copy / "pictures.yaml"
    data = yaml.safe_load(path.read_text())
    change(data["pictures"])
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return copy


def test_every_stretch_and_timer_has_a_picture(tmp_path) -> None:
    def drop(pictures: list) -> None:
        pictures[:] = [p for p in pictures if p["id"] not in ("knee-rolls", "heat")]

    with pytest.raises(KnowledgeError) as err:
        load_knowledge_from(_knowledge_with(tmp_path, drop))
    assert "no picture for the stretch 'knee-rolls'" in str(err.value)
    assert "no picture for the timer 'heat'" in str(err.value)


@pytest.mark.parametrize(("change", "problem"), [
    (lambda ps: ps[0]["shows"].update(steps=["lie-on-a-bed"]), "unknown step 'lie-on-a-bed'"),
    (lambda ps: ps[0].update(file="../bs.css"), "not a plain name ending .svg"),
    (lambda ps: ps[1].update(file=ps[0]["file"]), "is used twice"),
    (lambda ps: ps[0].update(alt="Legs."), "alt should say what the drawing shows"),
    (lambda ps: ps[0].update(sources=["NOWHERE"]), "unknown source id 'NOWHERE'"),
    (lambda ps: ps[3].update(title="Ice pack: 20 minutes"), "use its placeholder"),
])
def test_a_broken_pictures_file_names_the_picture(tmp_path, change, problem) -> None:
    with pytest.raises(KnowledgeError, match=re.escape(problem)) as err:
        load_knowledge_from(_knowledge_with(tmp_path, change))
    assert "pictures.yaml" in str(err.value)


def _figures(html: str) -> dict[str, str]:
    """Picture id -> the text alternative of its inline drawing, for each figure shown."""
    found = re.findall(r'<figure class="bs-picture" data-picture="([\w-]+)">\s*'
                       r'<svg class="bs-picture__svg" role="img" aria-label="([^"]+)"', html)
    return {pid: html_lib.unescape(alt) for pid, alt in found}


def test_pages_show_the_pictures_inline_with_their_text_alternative(tmp_path) -> None:
    alt = {p["id"]: p["alt"] for p in PICTURES}
    client = make_client(tmp_path)
    learn = _figures(client.get("/learn").text)
    for pid in ("rest-pillows-under-knees", "rest-legs-on-chair", "finger-pressure",
                "knee-to-chest", "pelvic-tilt", "knee-rolls", "cat-cow"):
        assert learn[pid] == alt[pid]
    assert _figures(client.get("/timer/ice").text) == {"ice-pack": alt["ice-pack"]}
    assert _figures(client.get("/timer/heat").text) == {"heat": alt["heat"]}
    assert _figures(client.get("/timer/contrast").text) == {
        "contrast-shower": alt["contrast-shower"]}
    client.post("/plan/onset", data={"hours": "30"})
    plan = _figures(client.get("/plan").text)
    assert {"rest-pillows-under-knees", "rest-legs-on-chair", "finger-pressure",
            "ice-pack"} <= set(plan)
    assert "heat" not in plan  # not in the first 72 hours


def test_the_index_lists_each_place_once_in_file_order() -> None:
    index = picture_index(KB)
    assert [p.id for p in index[("steps", "resting-positions")]] == [
        "rest-pillows-under-knees", "rest-legs-on-chair"]
    assert index[("timers", "contrast")][0].title.endswith("5 rounds")
