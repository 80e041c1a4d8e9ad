"""The list of emergency signs is generated from the rules (issue 8 item 5, hazards H1 and H20):
every rule at emergency or emergency_ambulance is on the card, on every page that shows
it, and in the README."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from backspasm.core.triage import EMERGENCY_LEVELS, emergency_signs
from backspasm.knowledge import load_knowledge
from web_helpers import SELF_CARE, make_client, walk

KB = load_knowledge()
README = Path(__file__).resolve().parents[1] / "README.md"
EMERGENCY_RULES = [r for r in KB["rules"]["rules"] if r["level"] in EMERGENCY_LEVELS]


def test_the_signs_are_every_emergency_rule_most_urgent_first() -> None:
    signs = emergency_signs(KB)
    assert sorted(s.rule for s in signs) == sorted(r["id"] for r in EMERGENCY_RULES)
    assert [s.level for s in signs] == sorted(
        (s.level for s in signs), key=["emergency_ambulance", "emergency"].index
    )
    # The three the hand-written list left out are there now.
    rules = {s.rule for s in signs}
    assert {"sexual-function", "both-legs", "weakness-getting-worse"} <= rules
    assert {"cancer-with-nerve-symptoms", "fever-with-infection-risk"} <= rules
    for s in signs:
        assert s.text and s.sources


def test_the_readme_safety_notice_lists_every_sign() -> None:
    notice = README.read_text(encoding="utf-8").split("## Two commands")[0]
    missing = [s.text for s in emergency_signs(KB) if s.text not in notice]
    assert not missing, f"README.md safety notice lacks: {missing}"


def _signs_on(page: str) -> list[str]:
    text = html.unescape(page)
    return [s.text for s in emergency_signs(KB) if s.text not in text]


def _assert_card(page: str, number: str = "999") -> None:
    assert "data-signs" in page and f'href="tel:{number}"' in page
    assert not _signs_on(page), _signs_on(page)
    # Every source the card cites is listed on the page, so its links go somewhere.
    for s in emergency_signs(KB):
        for sid in s.sources:
            assert f'id="src-{sid}"' in page, sid


@pytest.fixture()
def client(tmp_path):
    return make_client(tmp_path)


def test_start_result_plan_and_timer_pages_show_every_sign(client) -> None:
    _assert_card(client.get("/").text)
    r, _ = walk(client, SELF_CARE)
    r = client.post("/triage/check", data={"csrf_token": ""})
    assert r.url.path == "/triage/result"
    _assert_card(r.text)
    assert "Go to A&amp;E (accident and emergency) now if you have:" in r.text
    _assert_card(client.get("/plan").text)
    for slug in ("ice", "heat", "contrast"):
        _assert_card(client.get(f"/timer/{slug}").text)


def test_the_card_uses_the_profile_region(tmp_path) -> None:
    client = make_client(tmp_path, region="US")
    page = client.get("/").text
    _assert_card(page, "911")
    assert "Call 911 for an ambulance now if you have:" in page
    assert "Go to the emergency room (ER) now if you have:" in page


@pytest.mark.parametrize("path", ["/signin", "/signup"])
def test_sign_in_and_sign_up_show_every_sign(tmp_path, path) -> None:
    _assert_card(make_client(tmp_path, multi_user=True).get(path).text)


@pytest.mark.parametrize("answers, number", [
    ({}, "999"),  # self-care: "watch for the warning signs" must list them
    ({"leg_symptoms": "one_leg", "region": None}, "911"),  # urgent, US numbers
])
def test_cli_triage_lists_every_sign_after_a_result_that_is_not_an_emergency(
        answers, number) -> None:
    import subprocess
    import sys

    region = "US" if number == "911" else "GB"
    answers = {k: v for k, v in answers.items() if k != "region"}
    out = subprocess.run([sys.executable, "-m", "backspasm", "triage", "--answers", "-",
                          "--region", region, "--now", "2026-11-25T12:00:00+00:00"],
                         input=json.dumps(answers), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.replace("│", " ").split())
    for sign in emergency_signs(KB):
        assert " ".join(sign.text.split()) in text, sign.rule
    assert f"Call {number} for an ambulance now" in text
    assert "999" not in text if number == "911" else "911" not in text


def test_cli_triage_emergency_card_adds_no_signs_list() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "backspasm", "triage", "--answers", "-",
                          "--region", "GB"], input='{"chest_pain": true}',
                         capture_output=True, text=True, timeout=60)
    assert KB["web"]["emergency_signs"]["heading"] not in out.stdout


def _cli_text(*args: str, tz: str) -> str:
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "backspasm", *args], capture_output=True,
                         text=True, timeout=120, env={**os.environ, "TZ": tz})
    assert out.returncode == 0, out.stderr
    return " ".join(out.stdout.replace("│", " ").split())


@pytest.mark.parametrize("tz, number", [("Europe/London", "999"), ("America/New_York", "911")])
def test_cli_plan_and_timer_list_every_sign_in_the_region_words(tmp_path, tz, number) -> None:
    db = str(tmp_path / "diary.db")
    plan = _cli_text("plan", "--onset", "2026-11-25T08:00+00:00", "--now",
                     "2026-11-25T12:00+00:00", "--tz", tz, "--db", db, tz=tz)
    timer = _cli_text("timer", "ice", "--minutes", "1", "--scale", "600", "--db", db, tz=tz)
    for text in (plan, timer):
        for sign in emergency_signs(KB):
            assert " ".join(sign.text.split()) in text, sign.rule
        assert f"Call {number} for an ambulance now" in text
        assert ("A&E" in text) == (number == "999")
