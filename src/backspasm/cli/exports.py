"""`backspasm report`, `backspasm export ics`, `backspasm export fhir`: files out of the diary.

Thin doors over :mod:`backspasm.exports`. The ``export`` group belongs to the diary
commands (``export --json``, cli/portable.py); ``ics`` and ``fhir`` attach to it and take
its ``--db`` through the Typer context. Heavy packages are imported inside the commands.
Files are written whole or not at all (:func:`backspasm.cli.files.write_output`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer

from backspasm.cli.app import app, fail
from backspasm.cli.common import DB as _DB
from backspasm.cli.common import LOCAL_PROFILE, diary_url
from backspasm.cli.files import write_output

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge
    from backspasm.store import Profile


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    from backspasm.core.answers import parse_datetime

    parsed = parse_datetime(value)
    if parsed is None:
        from backspasm.cli.app import say
        from backspasm.core.times import FIRST_YEAR, LAST_YEAR

        fail(say("errors.now_range", option="--now", first=FIRST_YEAR, last=LAST_YEAR,
                 got=repr(value)))
    return parsed


def _terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (a PDF written there would be unreadable binary)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced: not a terminal
        return False


def _local_zone() -> str:
    """The default zone of a new local profile: the same as the diary commands use."""
    from backspasm.cli.plan import local_zone_name

    return local_zone_name()


@contextmanager
def _errors() -> Iterator[None]:
    """Bad input of any layer → ``Error: …`` and exit 2; a broken database → exit 1."""
    from backspasm.cli.app import say
    from backspasm.exports.data import ExportError
    from backspasm.knowledge import KnowledgeError
    from backspasm.store.errors import DatabaseError, NotADatabaseError, StoreError

    try:
        yield
    except (ExportError, StoreError) as exc:
        fail(str(exc))
    except NotADatabaseError as exc:
        fail(say("errors.db", why=exc))
    except DatabaseError as exc:
        fail(say("errors.database", why=exc), code=1)
    except KnowledgeError as exc:
        fail(say("errors.knowledge", why=exc), code=1)


def _export(
    file: str,
    episode: int | None,
    now_opt: str | None,
    db: str | None,
    build: Callable[[Any, Any, Any, datetime], bytes],
    *,
    whole_plan: bool = True,
) -> None:
    from backspasm.cli.common import open_light
    from backspasm.exports.source import load_episode
    from backspasm.knowledge import load_knowledge

    now = _now(now_opt)
    with _errors():
        kb = load_knowledge()
        # A SQLite diary as it is: read without SQLAlchemy (store/lite.py, about 0.2 s).
        light = open_light(db)
        if light is not None:
            with light[0] as store:
                record, profile = load_episode(
                    store, light[1].id, episode, kb=kb, now=now, whole_plan=whole_plan)
        else:
            from backspasm.store import open_store

            with open_store(db) as store:
                profile = store.ensure_profile(LOCAL_PROFILE, tz=_local_zone())
                record, profile = load_episode(
                    store, profile.id, episode, kb=kb, now=now, whole_plan=whole_plan)
        write_output(file, build(kb, record, profile, now))


_FILE = typer.Argument(..., metavar="FILE", help="Where to write it (- for standard output).")
_EPISODE = typer.Option(None, "--episode", help="Episode id (default: the open or latest one).")
_NOW = typer.Option(None, "--now", help="Act as if it were this moment (RFC 3339).")


@app.command("report")
def report(
    file: str = _FILE,
    episode: int | None = _EPISODE,
    now: str | None = _NOW,
    db: str | None = _DB,
) -> None:
    """A one- or two-page PDF about an episode to take to your doctor. Nothing is sent.

    With - the PDF goes to standard output: send that to a file or a program, never to
    the terminal (refused: exit 2)."""
    if file == "-" and _terminal(sys.stdout):
        from backspasm.exports.data import export_error

        fail(str(export_error("FILE", "binary_to_terminal")))

    def build(kb: Knowledge, record: Any, profile: Profile, at: datetime) -> bytes:
        from backspasm.exports.report import render_report_pdf

        return render_report_pdf(record, kb=kb, now=at)

    _export(file, episode, now, db, build)


def export_ics(
    ctx: typer.Context,
    file: str = _FILE,
    days: int | None = typer.Option(None, "--days", min=1, help="Plan this many days from onset."),
    episode: int | None = _EPISODE,
    now: str | None = _NOW,
    db: str | None = _DB,
) -> None:
    """Calendar reminders (.ics) for the planned sessions still ahead. Import it once.

    Only while the episode is open (not after `episode end` or an emergency result).
    """
    from backspasm.exports.ics import build_ics
    from backspasm.exports.source import calendar_for
    from backspasm.knowledge import load_knowledge
    from backspasm.store import open_store

    at = _now(now)
    with _errors():
        kb = load_knowledge()
        with open_store(diary_url(ctx, db)) as store:
            profile = store.ensure_profile(LOCAL_PROFILE, tz=_local_zone())
            cal = calendar_for(store, profile.id, kb=kb, now=at, days=days, episode_id=episode)
        if cal.refusal is not None:
            raise cal.refusal
        write_output(file, build_ics(cal.sessions, episode_uid=cal.episode_uid, tz=cal.tz,
                                     kb=kb, now=at))


def export_fhir(
    ctx: typer.Context,
    file: str = _FILE,
    episode: int | None = _EPISODE,
    now: str | None = _NOW,
    db: str | None = _DB,
) -> None:
    """The episode as a FHIR R4 Bundle (JSON) that a clinic system can import."""

    def build(kb: Knowledge, record: Any, profile: Profile, at: datetime) -> bytes:
        from backspasm.exports.fhir import build_bundle, bundle_json

        return bundle_json(build_bundle(record, kb=kb, now=at,
                                        patient_key=f"profile/{profile.pseudonym}"))

    _export(file, episode, now, diary_url(ctx, db), build)


def _attach() -> None:
    """Add ``ics`` and ``fhir`` to the diary's ``export`` group."""
    from backspasm.cli.portable import export_app

    export_app.command("ics")(export_ics)
    export_app.command("fhir")(export_fhir)


_attach()
