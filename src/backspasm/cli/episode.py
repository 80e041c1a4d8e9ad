"""``backspasm episode start|end``: an episode of back spasm begins and ends."""

from __future__ import annotations

import typer

from backspasm.cli.app import app, say, say_n
from backspasm.cli.common import AT, DB, local, now, open_diary, when

episode_app = typer.Typer(help="Start or end an episode of back spasm.", no_args_is_help=True)
app.add_typer(episode_app, name="episode")


@episode_app.command("start")
def episode_start(
    at: str | None = AT,
    trigger: str | None = typer.Option(
        None, "--trigger",
        help="What started it: lifting, twisting, sport, sudden_movement, fall or unknown."),
    db: str | None = DB,
) -> None:
    """Start a new episode: the spasm began at --at (default: now)."""
    with open_diary(db) as (store, profile):
        ep = store.start_episode(profile.id, onset=when(at, profile.tz, now()), trigger=trigger)
        typer.echo(say("episode.started", id=ep.id, at=local(ep.onset, profile.tz)))


@episode_app.command("end")
def episode_end(at: str | None = AT, db: str | None = DB) -> None:
    """End the open episode: the spasm has gone."""
    with open_diary(db) as (store, profile):
        ep = store.end_episode(profile.id, at=when(at, profile.tz, now()))
        hours = round((ep.ended_at - ep.onset).total_seconds() / 3600)
        typer.echo(say("episode.ended", id=ep.id, at=local(ep.ended_at, profile.tz),
                       after=say_n("units.hours", hours)))
