"""``backspasm log pain|ice|heat|contrast|stretch|other|medicine``: write in the diary.

Also the diary hook of ``backspasm timer``: :func:`log_timer_session` logs a timer that ran
to the end.
"""

from __future__ import annotations

from datetime import datetime

import typer

from backspasm.cli.app import app, fail, say, say_n
from backspasm.cli.common import AT, DB, NOTE, local, now, open_diary, when, whole

log_app = typer.Typer(help="Write in your diary: your pain, or care you took.",
                      no_args_is_help=True)
app.add_typer(log_app, name="log")


@log_app.command("pain")
def log_pain(
    score: str = typer.Argument(..., metavar="N", help="Your pain now, 0 (none) to 10 (worst)."),
    at: str | None = AT,
    note: str | None = NOTE,
    db: str | None = DB,
) -> None:
    """Write down how much it hurts, from 0 to 10."""
    value = whole(score, "pain", 0, 10)
    with open_diary(db, light=True) as (store, profile):
        e = store.log_pain(profile.id, score=value, at=when(at, profile.tz, now()), note=note)
        typer.echo(say("log.pain_saved", score=e.score, at=local(e.at, profile.tz)))


def care_limit(kind: str, minutes: int | None) -> None:
    """The protocol's longest session for this kind (core.limits): exit 2 naming it."""
    from backspasm.core.limits import check_care_minutes
    from backspasm.core.plan import PlanError
    from backspasm.knowledge import load_knowledge

    try:
        check_care_minutes(load_knowledge(), kind, minutes)
    except PlanError as exc:
        fail(f"--{exc}")


def _care_saved(kind: str, minutes: int | None, at: str) -> str:
    care = say(f"care_kinds.{kind}")
    if minutes:
        return say("log.care_saved_for", care=care, length=say_n("units.minutes", minutes),
                   at=at)
    return say("log.care_saved", care=care, at=at)


def _care_command(kind: str, doc: str) -> None:
    def command(
        at: str | None = AT,
        minutes: str | None = typer.Option(None, "--minutes", help="How long, in minutes."),
        note: str | None = NOTE,
        db: str | None = DB,
    ) -> None:
        mins = whole(minutes, "minutes", 1, 1440)
        care_limit(kind, mins)
        with open_diary(db) as (store, profile):
            e = store.log_care(profile.id, kind=kind, start=when(at, profile.tz, now()),
                               minutes=mins, note=note)
            typer.echo(_care_saved(kind, e.minutes, local(e.start, profile.tz)))

    command.__doc__ = doc
    log_app.command(kind)(command)


_care_command("ice", "Write down an ice pack you used.")
_care_command("heat", "Write down heat you used (a heat pad, a warm bath or shower).")
_care_command("contrast", "Write down a hot and cold shower.")
_care_command("stretch", "Write down stretches you did.")
_care_command("other", "Write down other care you took (say what with --note).")


@log_app.command("medicine")
def log_medicine(
    name: str = typer.Argument(..., metavar="NAME", help="The medicine you took."),
    at: str | None = AT,
    note: str | None = NOTE,
    db: str | None = DB,
) -> None:
    """Write down a medicine you took: its name and when. (The app never suggests a dose.)"""
    with open_diary(db) as (store, profile):
        e = store.log_care(profile.id, kind="medicine", start=when(at, profile.tz, now()),
                           medicine=name, note=note)
        typer.echo(say("log.medicine_saved", medicine=e.medicine,
                       at=local(e.start, profile.tz)))


def log_timer_session(kind: str, started_at: datetime, minutes: float,
                      db: str | None = None) -> None:
    """Log a timer that ran to the end (called by ``backspasm timer``)."""
    from backspasm.knowledge import load_knowledge

    care = load_knowledge().vocabulary.care_kind_of.get(kind)
    if care is None:
        return  # not a care session (e.g. a check-in): nothing to log
    length = max(1, round(minutes))
    care_limit(care, length)
    with open_diary(db) as (store, profile):
        e = store.log_care(profile.id, kind=care, start=started_at, minutes=length)
        typer.echo(say("log.timer_saved", care=say(f"care_kinds.{care}"),
                       length=say_n("units.minutes", e.minutes)))
