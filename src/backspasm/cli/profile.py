"""``backspasm profile``: show or change the local profile's settings."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from backspasm.cli.app import app, fail, say
from backspasm.cli.common import DB, JSON, open_diary, print_json, whole


@app.command("profile")
def profile_command(
    tz: str | None = typer.Option(None, "--tz", help="Your time zone, e.g. Europe/London."),
    wake: str | None = typer.Option(None, "--wake", help="When you get up, HH:MM."),
    sleep: str | None = typer.Option(None, "--sleep", help="When you go to bed, HH:MM."),
    region: str | None = typer.Option(None, "--region", help="Where you live: GB, US, EU, …"),
    age: str | None = typer.Option(None, "--age", help="Your age in years."),
    name: str | None = typer.Option(
        None, "--name", help="Your name, for the report you give your doctor. Optional; "
        "'' clears it."),
    birth_date: str | None = typer.Option(
        None, "--birth-date", help="Your date of birth, YYYY-MM-DD, for the report. "
        "Optional; '' clears it."),
    as_json: bool = JSON,
    db: str | None = DB,
) -> None:
    """Show or change your settings: time zone, waking hours, region, age, and (optional)
    your name and date of birth for the report."""
    from backspasm.cli.plan import parse_clock
    from backspasm.knowledge.formats import format_time

    changes: dict[str, Any] = {}
    if tz is not None:
        changes["tz"] = tz
    if wake is not None:
        changes["wake"] = parse_clock(wake, "--wake")
    if sleep is not None:
        changes["sleep"] = parse_clock(sleep, "--sleep")
    if region is not None:
        from backspasm.knowledge import load_knowledge

        ids = load_knowledge().regions.ids  # regions.yaml: a number is known for these only
        if region.strip().upper() not in ids:
            fail(say("errors.one_of", option="--region", choices=", ".join(ids),
                     got=repr(region)))
        changes["region"] = region.strip().upper()
    if age is not None:
        changes["age"] = whole(age, "age", 0, 120)
    if name is not None:
        changes["name"] = name
    if birth_date is not None:
        changes["birth_date"] = _date(birth_date)
    with open_diary(db) as (store, profile):
        if changes:
            profile = store.update_profile(profile.id, **changes)
    shown = {"tz": profile.tz, "wake": format_time(profile.wake),
             "sleep": format_time(profile.sleep), "region": profile.region,
             "age": profile.age, "name": profile.name,
             "birth_date": None if profile.birth_date is None else profile.birth_date.isoformat()}
    if as_json:
        print_json(shown)
        return
    for k, v in shown.items():  # the keys are the option names (--tz, --wake, …)
        typer.echo(f"{k}: {'' if v is None else v}")
    if profile.region is None:
        from backspasm.cli.shown import region_line
        from backspasm.knowledge import load_knowledge
        from backspasm.status import profile_region

        choice = profile_region(load_knowledge(), profile)
        typer.echo(say("profile.region_not_chosen", line=region_line(choice)))


def _date(value: str) -> date | None:
    """``--birth-date``: blank clears it; otherwise YYYY-MM-DD (the store checks the range)."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(say("errors.birth_date", got=repr(value)))
