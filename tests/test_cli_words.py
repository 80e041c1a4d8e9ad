"""The command line's words come from cli.yaml (knowledge.messages), plurals and dates from
Babel (knowledge.formats)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from backspasm.knowledge import KnowledgeError, load_knowledge
from backspasm.knowledge.formats import (
    format_date,
    format_datetime,
    format_list,
    format_number,
    format_time,
    plural,
)
from backspasm.knowledge.messages import cli_texts, say, say_n, words

CLI = Path(__file__).parents[1] / "src" / "backspasm" / "cli"


def test_every_key_the_cli_says_is_in_cli_yaml() -> None:
    used = set()
    for path in CLI.glob("*.py"):
        used |= set(re.findall(r"\bsay(?:_n)?\(\s*\"([a-z_]+\.[a-z_]+)\"", path.read_text()))
    assert len(used) > 20
    texts = cli_texts()
    missing = sorted(k for k in used if k.split(".")[1] not in texts.get(k.split(".")[0], {}))
    assert not missing


def test_the_words_files_are_part_of_the_knowledge() -> None:
    kb = load_knowledge()
    assert kb["cli"] == cli_texts() and kb["pages"] == words("pages")


def test_plurals_follow_the_language_rules() -> None:
    assert say_n("units.hours", 1) == "1 hour"
    assert say_n("units.hours", 0) == "0 hours"
    assert say_n("units.minutes", 1500) == "1,500 minutes"
    assert plural(1, {"one": "{n} time", "other": "{n} times"}) == "1 time"
    assert plural(2.5, {"one": "{n} hour", "other": "{n} hours"}) == "2.5 hours"
    with pytest.raises(KnowledgeError, match="no text"):
        say("units.nothing")
    with pytest.raises(KnowledgeError, match="plural"):
        say("units.hours")


def test_dates_and_numbers_as_a_person_reads_them() -> None:
    at = datetime(2025, 3, 1, 8, 5, tzinfo=UTC)
    paris = ZoneInfo("Europe/Paris")
    assert format_datetime(at, "moment", tz=paris) == "Sat 01 Mar 09:05"
    assert format_datetime(at, "moment_short", tz=paris) == "Sat 1 Mar 09:05"
    assert format_datetime(at, "moment_year") == "Sat 01 Mar 2025, 08:05"
    assert format_time(at, tz=paris) == "09:05" and format_time(time(7, 0)) == "07:00"
    assert format_date(at, "day_long") == "Saturday 1 March"
    assert format_number(8.0, 1) == "8.0" and format_number(3) == "3"
    assert format_list(["1 episode", "2 pain scores"]) == "1 episode, 2 pain scores"
