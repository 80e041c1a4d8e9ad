"""What the command line may show: its door to ``core.guidance`` and ``core.region``.

Shared by ``triage``, ``plan``, ``timer`` and ``status``: the care card as text, the line
that says which region's numbers these are and how to change them, the region read from
the diary (never failing: a diary that cannot be read falls back to the time zone), and the
guard that shows the emergency card instead of a plan or a timer.
Heavy packages (rich, SQLAlchemy) are imported inside the functions.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from backspasm.cli.app import say

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

#: Exit status when the result was shown but could not be saved in the diary.
EXIT_NOT_SAVED = 3
#: Exit status when a plan or timer was asked for but the last check was an emergency.
EXIT_EMERGENCY = 4

_LEVEL_STYLE = {
    "emergency_ambulance": "bold white on red",
    "emergency": "bold white on red",
    "consultation_24": "bold black on yellow",
    "consultation": "bold black on cyan",
    "self_care": "bold black on green",
}


def why_not(exc: BaseException) -> str:
    """A one-line reason a diary could not be opened or written, for standard error."""
    if isinstance(exc, OSError) and exc.strerror:
        if exc.filename:
            return say("errors.cannot_use_file", file=exc.filename, why=exc.strerror)
        return say("errors.cannot_use", why=exc.strerror)
    import re

    text = str(exc).strip().splitlines()
    # SQLAlchemy prefixes "(sqlite3.DatabaseError) "; the person needs the words after it.
    return re.sub(r"^\([\w.]+\)\s*", "", text[0]) if text else type(exc).__name__


def diary_missing(db: str | None) -> bool:
    """True when ``db`` means a SQLite file that does not exist yet (nothing to read).

    Parsed by hand, without SQLAlchemy, so that ``triage --answers`` with no diary stays
    a light start (tests/test_cli_triage.py::test_answers_path_stays_light)."""
    import os
    from pathlib import Path

    chosen = db or os.environ.get("BACKSPASM_DATABASE_URL")
    if not chosen:
        from platformdirs import user_data_path

        path = user_data_path("backspasm", appauthor=False) / "backspasm.db"
    elif "://" not in chosen:
        path = Path(chosen).expanduser()
    elif chosen.startswith("sqlite:///"):
        name = chosen[len("sqlite:///"):].split("?", 1)[0]
        path = Path(name[len("file:"):] if name.startswith("file:") else name)
    else:
        return False  # a server database: ask it
    return not path.exists()


def diary_profile(db: str | None) -> tuple[Any, str | None]:
    """The local profile if the diary can be read: ``(profile or None, error or None)``.
    Never creates a diary and never raises."""
    try:
        if diary_missing(db):
            return None, None
        from backspasm.cli.common import LOCAL_PROFILE
        from backspasm.store import open_store

        with open_store(db) as store:
            return store.profile_by_key(LOCAL_PROFILE), None
    except Exception as exc:
        return None, why_not(exc)


def region_for_run(kb: Knowledge, override: str | None, db: str | None) -> tuple[Any, str | None]:
    """``core.region.choose_region`` for this run: ``--region``, else the diary profile's,
    else this computer's time zone. Returns ``(RegionChoice, diary error or None)``;
    ``--region`` skips the diary (the fast path for scripts). Raises ``AnswersError``
    for an unknown ``--region``."""
    from backspasm.cli.plan import local_zone_name
    from backspasm.core.region import choose_region

    if override is not None:
        return choose_region(kb, override=override, tz=local_zone_name()), None
    profile, error = diary_profile(db)
    if profile is None:
        return choose_region(kb, tz=local_zone_name()), error
    return choose_region(kb, profile_region=profile.region, tz=profile.tz), None


def region_line(choice: Any) -> str:
    """Which region's numbers these are, and how to change them (a ``RegionChoice`` or
    its ``to_dict()``)."""
    c = choice.to_dict() if hasattr(choice, "to_dict") else choice
    if c["source"] in ("override", "profile"):
        return say(f"region.{c['source']}", name=c["name"], id=c["id"])
    zone = c.get("time_zone") or say("region.unknown_zone")
    # A guess from the time zone says so; the default says it is no more than that.
    key = "region.default" if c["source"] == "default" else "region.time_zone"
    return say(key, name=c["name"], zone=zone)


def show_result(result: dict[str, Any], kb: Knowledge, *, region: Any = None,
                stderr: bool = False) -> None:
    """A care card (``TriageResult.to_dict()`` form) as a text panel, then the region line."""
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.text import Text

    console = Console(highlight=False, stderr=stderr)
    card = result["care_card"]
    parts: list[Any] = [
        Text(card["label"].upper(), style=_LEVEL_STYLE[result["level"]]),
        Text(card["heading"], style="bold"),
        Text(card["summary"]),
        Text(""),
    ]
    parts += [Text(f"- {line}") for line in card["do_now"]]
    if result["reasons"]:
        parts += [Text(""), Text(say("result.why"), style="bold")]
        parts += [Text(say("result.reason", text=r["text"], sources=", ".join(r["sources"])))
                  for r in result["reasons"]]
    if card.get("unsure_note"):
        parts += [Text(""), Text(card["unsure_note"], style="italic")]
    if result.get("advice"):
        parts += [Text(""), Text(say("result.steps"), style="bold")]
        parts += [Text(say("result.step", title=s["title"], timing=s["timing"]))
                  for s in result["advice"]]
    if region is not None:
        parts += [Text(""), Text(region_line(region))]
    parts += [
        Text(""),
        Text(say("result.version", version=result["knowledge_version"],
                 reviewed=kb.last_reviewed), style="dim"),
    ]
    console.print(Panel(Group(*parts), expand=False))
    from backspasm.core.triage import EMERGENCY_LEVELS

    if result["level"] not in EMERGENCY_LEVELS:  # the emergency card adds no list (H1, H20)
        show_signs(kb, region, stderr=stderr)


def show_signs(kb: Knowledge, region: Any = None, *, stderr: bool = False) -> None:
    """The emergency signs (``core.triage.emergency_signs``: every emergency rule) as a
    panel, with the region's words and number, as the web's emergency-signs card.
    ``region``: a ``RegionChoice``, its ``to_dict()``, a region id, or ``None`` (default)."""
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.text import Text

    from backspasm.core.region import fill_region, region_record
    from backspasm.core.triage import emergency_signs
    from backspasm.knowledge import KnowledgeError

    c = region.to_dict() if hasattr(region, "to_dict") else region
    rid = c if isinstance(c, str) else (c["id"] if c else None)
    record = region_record(kb, rid) or region_record(kb, kb["regions"]["default"])
    if record is None:  # the loader checks that the default region exists
        raise KnowledgeError("regions.yaml: default: not a region")
    words = kb["web"]["emergency_signs"]
    every = emergency_signs(kb)
    parts: list[Any] = [Text(words["heading"], style="bold red"), Text(words["intro"])]
    for level, lead in words["levels"].items():
        parts += [Text(""), Text(fill_region(lead, record), style="bold")]
        parts += [Text(f"- {s.text}") for s in every if s.level == level]
    sources: list[str] = []
    for s in every:
        sources += [i for i in s.sources if i not in sources]
    parts += [Text(""), Text(say("result.sources", ids=", ".join(sources)), style="dim")]
    Console(highlight=False, stderr=stderr).print(Panel(Group(*parts), expand=False))


def emergency_instead(
    kb: Knowledge, db: str | None, now: datetime, *, as_json: bool = False
) -> None:
    """Before a plan or a timer: if ``core.guidance`` says emergency for the diary, show
    the emergency card instead and exit with :data:`EXIT_EMERGENCY`. A diary that cannot
    be read is reported on standard error and does not stop the plan."""
    import json

    import typer

    from backspasm.core.guidance import emergency_view

    try:
        if diary_missing(db):
            return
        from backspasm.cli.common import LOCAL_PROFILE
        from backspasm.status import diary_guidance, profile_region
        from backspasm.store import open_store

        with open_store(db) as store:
            profile = store.profile_by_key(LOCAL_PROFILE)
            if profile is None:
                return
            g = diary_guidance(store, profile.id)
            choice = profile_region(kb, profile)
    except Exception as exc:
        sys.stderr.write(say("emergency.diary_unread", why=why_not(exc)) + "\n")
        return
    if not g.emergency:
        return
    result = emergency_view(kb, g, region=choice.id, now=now)
    if as_json:
        sys.stdout.write(json.dumps({"shows": g.show, "result": result, "region":
                                     choice.to_dict()}, indent=2, ensure_ascii=False) + "\n")
    else:
        show_result(result, kb, region=choice)
    sys.stderr.write(say("emergency.no_plan") + "\n")
    raise typer.Exit(EXIT_EMERGENCY)
