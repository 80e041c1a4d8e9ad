"""Issue 14, part B without a browser: triage pain reaches the diary, the chart's value
labels never overlap, and no page or command says "1 minutes", "1 times" or "0 times"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backspasm.web.chart import FONT, place_labels
from web_helpers import SELF_CARE, make_client, text_of, walk


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path)


# --- triage pain reaches the diary ---------------------------------------------------------

def test_a_confirmed_result_starts_the_episode_and_its_first_pain_entry(client):
    walk(client, SELF_CARE)
    r = client.post("/triage/check", data={"csrf_token": ""})
    assert r.url.path == "/triage/result"
    store, pid = client.app.state.store, client.app.state.diary.local_profile_id()
    episode = store.current_episode(pid)
    assert episode is not None
    assert abs(datetime.now(UTC) - timedelta(hours=30) - episode.onset) < timedelta(minutes=5)
    [pain] = store.pain_entries(pid)
    assert pain.score == 5 and datetime.now(UTC) - pain.at < timedelta(minutes=5)
    said = text_of(r.text)
    assert "Saved in your diary: this episode, from" in said
    assert "your pain now, 5 out of 10" in said and 'href="/diary"' in r.text
    # Confirming again (a retried form) keeps one entry.
    client.post("/triage/check", data={"csrf_token": ""})
    assert len(store.pain_entries(pid)) == 1
    assert "Pain 5 out of 10" in client.get("/diary").text


def test_an_emergency_result_writes_no_episode_and_no_pain(client):
    walk(client, {**SELF_CARE, "chest_pain": "yes"})
    store, pid = client.app.state.store, client.app.state.diary.local_profile_id()
    client.get("/triage/stop")
    assert store.current_episode(pid) is None and store.pain_entries(pid) == []


# --- the chart's value labels --------------------------------------------------------------

def _box(x: float, base: float, text: str) -> tuple[float, float, float, float]:
    half = (0.6 * FONT * len(text) + 2) / 2
    return (x - half, base - 0.75 * FONT, x + half, base + 0.1 * FONT)


@given(st.lists(st.tuples(st.floats(46, 348), st.floats(22, 202),
                          st.integers(0, 10).map(str)), max_size=40))
def test_placed_labels_never_overlap_each_other_or_a_point(spots):
    spots = sorted(spots)
    heights = place_labels(spots, bottom=202)
    boxes = [_box(x, h, t) for (x, _, t), h in zip(spots, heights, strict=True)
             if h is not None]
    for i, a in enumerate(boxes):
        assert a[3] <= 202
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
        for x, y, _ in spots:
            assert not (a[0] < x + 5 and x - 5 < a[2] and a[1] < y + 5 and y - 5 < a[3])


def test_scores_logged_close_together_keep_a_label_each_where_there_is_room():
    # Same score every minute: one label above, one below; the rest are left to the tooltips.
    spots = [(100.0 + i * 0.5, 80.0, "4") for i in range(5)]
    assert sum(h is not None for h in place_labels(spots, bottom=202)) == 2
    # Far apart: every label shown, above its point.
    spots = [(60.0 + i * 60, 80.0, "4") for i in range(5)]
    assert place_labels(spots, bottom=202) == [71.0] * 5


# --- grammar: plurals through one library ---------------------------------------------------

#: A number and a counted word that disagree: "1 minutes", "1 times", "0 times"...
BAD_PLURAL = re.compile(
    r"(?<![\d.,])(?:1 (?:minutes|hours|days|times|seconds|rounds|sessions|entries|episodes"
    r"|pain scores|care sessions|symptom checks)|0 times)\b")


def test_the_bad_plural_pattern_catches_what_it_should():
    for bad in ("Ice, 1 minutes", "(1 times)", "(0 times)", "about 1 hours ago"):
        assert BAD_PLURAL.search(bad), bad
    for good in ("Ice, 1 minute", "11 minutes", "2.1 hours", "1.5 hours", "(never)"):
        assert not BAD_PLURAL.search(good), good


def _one_of_everything(client) -> None:
    """A diary with exactly one of each thing, so every count on a page is 1."""
    client.post("/diary/episode/start", data={"hours": "1"})
    client.post("/diary/pain", data={"score": "4"})
    client.post("/diary/care", data={"care_kind": "ice", "care_minutes": "1"})


@pytest.mark.parametrize("path", ["/", "/diary", "/plan", "/learn", "/privacy", "/settings",
                                  "/exports", "/timer/ice", "/timer/heat",
                                  "/timer/contrast", "/privacy/delete"])
def test_no_page_says_1_minutes_or_0_times(client, path):
    before = client.get(path)  # an empty diary: every count is 0
    _one_of_everything(client)
    for r in (before, client.get(path), client.post(path) if path == "/privacy/delete"
              else client.get(path)):
        page = text_of(r.text)
        assert not BAD_PLURAL.search(page), (path, BAD_PLURAL.search(page))


def test_privacy_counts_read_right_at_zero_and_one(client):
    page = text_of(client.get("/privacy").text)
    assert not BAD_PLURAL.search(page)
    _one_of_everything(client)
    page = text_of(client.get("/privacy").text)
    assert not BAD_PLURAL.search(page)


def test_no_cli_output_says_1_minutes_or_0_times(tmp_path):
    from typer.testing import CliRunner

    from backspasm.cli import _register, app

    _register()
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    outputs = []
    onset = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="minutes")
    runs = (["diary", "--db", db], ["status", "--db", db],
            ["episode", "start", "--db", db, "--at", onset],
            ["log", "pain", "4", "--db", db], ["log", "ice", "--minutes", "1", "--db", db],
            ["diary", "--db", db, "--days", "1"], ["status", "--db", db],
            ["plan", "--onset", onset, "--tz", "UTC", "--days", "1"])
    outputs = [(args, runner.invoke(app, args)) for args in runs]
    for args, result in outputs:
        assert result.exit_code == 0, (args, result.output)
        assert not BAD_PLURAL.search(result.output), (args, result.output)
    assert "Ice for 1 minute at" in outputs[4][1].output  # the one ice session, in good English


def test_a_setting_of_one_is_filled_in_good_english():
    from backspasm.knowledge.numbers import fill

    values = {"heat_per_day": (1.0, "time"), "ice_minutes": (20.0, "minute"),
              "ice_gap_hours": (1.5, "hour"), "acute_days": (1.0, "day")}
    assert fill("up to {heat_per_day} times a day", values) == "up to 1 time a day"
    assert fill("up to {heat_per_day} heat sessions a day", values) == (
        "up to 1 heat session a day")
    assert fill("for {ice_minutes} minutes, then {ice_gap_hours} hours off", values) == (
        "for 20 minutes, then 1.5 hours off")
    assert fill("after the first {acute_days} days", values) == "after the first 1 day"
    assert fill("{unknown} times", values) == "{unknown} times"


def test_the_saved_note_never_scrolls_past_a_new_diary_warning(client):
    """The redirect lands on #saved: when the entry raised a warning, the note sits above
    the warning card, so the person sees the warning first, not the scale below it."""
    client.post("/diary/episode/start", data={"hours": "80"})
    client.post("/diary/pain", data={"score": "5"}, follow_redirects=False)
    html = client.get("/diary").text
    assert "need more help than before" in html
    assert 0 <= html.index('id="saved"') < html.index('id="warn-h"')


def test_without_a_warning_the_note_sits_by_the_pain_scale(client):
    client.post("/diary/episode/start", data={"hours": "3"})
    client.post("/diary/pain", data={"score": "3"}, follow_redirects=False)
    html = client.get("/diary").text
    assert html.index("<h1") < html.index('id="saved"') < html.index('action="/diary/pain"')
