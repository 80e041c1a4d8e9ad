"""What the diary commands share: the ``--db``, ``--at``, ``--note`` and ``--json`` options,
opening the diary on the local profile, reading times and whole numbers from options, and
printing.

``--db`` reaches a subcommand through the Typer context: a group that takes ``--db``
(``export --db URL ics``) keeps it in ``ctx.obj`` (:class:`RunOptions`) and
:func:`diary_url` reads it; nothing is written to the environment.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import typer

from backspasm.cli.app import fail, say

LOCAL_PROFILE = "local"

DB = typer.Option(None, "--db", metavar="URL",
                  help="Database URL or SQLite file (default: $BACKSPASM_DATABASE_URL, "
                       "else your data folder).")
AT = typer.Option(None, "--at", metavar="TIME",
                  help="When: HH:MM today, or a date and time such as 2025-03-01T08:30 "
                       "(your time zone unless it has an offset). Default: now.")
NOTE = typer.Option(None, "--note", help="A short note.")
JSON = typer.Option(False, "--json", help="Print JSON instead of text.")


class RunOptions:
    """Options a command group passes down to its subcommands (``ctx.obj``). A plain class:
    ``dataclasses`` is not imported on the CLI's start-up path otherwise."""

    __slots__ = ("db",)

    def __init__(self, db: str | None = None) -> None:
        self.db = db


def keep_db(ctx: typer.Context, db: str | None) -> None:
    """A group's ``--db``, kept for its subcommands."""
    ctx.ensure_object(RunOptions).db = db


def diary_url(ctx: typer.Context | None, db: str | None) -> str | None:
    """The command's own ``--db``, else its group's, else ``None`` (the store's default)."""
    if db is not None or ctx is None:
        return db
    kept = ctx.find_object(RunOptions)
    return kept.db if kept is not None else None


@contextmanager
def open_diary(db: str | None, *, light: bool = False) -> Iterator[tuple[Any, Any]]:
    """(store, local profile); store and input errors become ``Error: …`` and an exit.

    ``light``: a SQLite diary that needs nothing done on opening (no migration, the local
    profile there already) is opened on the stdlib path (:mod:`backspasm.store.lite`,
    without SQLAlchemy), which gives ``overview``, ``diary`` and ``log_pain`` only; any
    other diary, or any doubt, opens the store as without ``light``.
    """
    from backspasm.knowledge import KnowledgeError
    from backspasm.store.errors import DatabaseError, NotADatabaseError, StoreError

    try:
        lite = open_light(db) if light else None
        if lite is not None:
            with lite[0]:
                yield lite
        else:
            from backspasm.cli.plan import local_zone_name
            from backspasm.store import open_store

            with open_store(db) as store:
                profile = store.ensure_profile(LOCAL_PROFILE, tz=local_zone_name())
                yield store, profile
    except (StoreError, _answers_error()) as exc:
        fail(str(exc))
    except NotADatabaseError as exc:
        fail(say("errors.db", why=exc))
    except DatabaseError as exc:
        fail(str(exc), code=1)
    except KnowledgeError as exc:
        fail(say("errors.knowledge", why=exc), code=1)


def open_light(db: str | None) -> tuple[Any, Any] | None:
    """(stdlib store, local profile), or ``None``: the store must open this diary."""
    from backspasm.store.errors import DatabaseError
    from backspasm.store.lite import open_lite

    store = open_lite(db)
    if store is None:
        return None
    try:
        profile = store.profile_by_key(LOCAL_PROFILE)
    except DatabaseError:
        profile = None
    if profile is None:  # not made yet (the store makes it), or not readable
        store.close()
        return None
    return store, profile


def _answers_error() -> type[Exception]:
    """``core.answers.AnswersError`` if that module was loaded; if not, nothing raised it
    (and ``log``/``diary`` need not import the answers contract, ~10 ms, to say so)."""
    answers = sys.modules.get("backspasm.core.answers")
    return answers.AnswersError if answers is not None else _NeverRaised


class _NeverRaised(Exception):
    """Stands in for an exception class whose module was never imported."""


def when(value: str | None, tz: str, now: datetime, option: str = "--at") -> datetime:
    """``None`` → now; ``HH:MM`` → today in ``tz``; else an ISO date-time (local in ``tz``)."""
    from zoneinfo import ZoneInfo

    from backspasm.core.times import FIRST_YEAR, LAST_YEAR, OutOfRange, parse_option_datetime

    if value is None:
        return now
    try:
        return parse_option_datetime(value, ZoneInfo(tz), today=now)
    except OutOfRange:
        fail(say("errors.at_range", option=option, first=FIRST_YEAR, last=LAST_YEAR,
                 got=repr(value)))
    except ValueError:
        fail(say("errors.at_format", option=option, got=repr(value)))


def whole(value: str | None, option: str, lo: int, hi: int) -> int | None:
    """A whole number from an option; its range is the store's check, which names the field."""
    if value is None:
        return None
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    fail(say("errors.whole", option=option, lo=lo, hi=hi, got=repr(value)))


def local(dt: datetime, tz: str, pattern: str = "moment") -> str:
    """``dt`` in the zone ``tz``, as a person reads it (:mod:`backspasm.knowledge.formats`)."""
    from zoneinfo import ZoneInfo

    from backspasm.knowledge.formats import format_datetime

    return format_datetime(dt, pattern, tz=ZoneInfo(tz))


def console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def now() -> datetime:
    return datetime.now(UTC)
