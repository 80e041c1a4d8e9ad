"""``backspasm plan``: the self-care plan as a day-by-day timeline, or as JSON."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any

import typer

from backspasm.cli.app import app, fail

if TYPE_CHECKING:
    from backspasm.core.plan import Plan
    from backspasm.knowledge import Knowledge

_TRENDS = ("better", "same", "worse")


def local_zone_name() -> str:
    """The computer's IANA time zone name if it can be found, else ``UTC``.

    ``TZ`` comes first, read on every call (tzlocal also honours it, but caches its answer
    for the life of the process); the system configuration is tzlocal's job.
    """
    import os
    from zoneinfo import ZoneInfo

    import tzlocal  # here, not at the top: the CLI's cold start stays light

    def valid(name: str | None) -> bool:
        if not name:
            return False
        try:
            ZoneInfo(name)
        except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            return False
        return True

    env = os.environ.get("TZ", "").lstrip(":")
    if valid(env):
        return env
    try:
        system = tzlocal.get_localzone_name()
    except (ValueError, OSError, KeyError):  # e.g. conflicting system configurations
        system = None
    return system if system and valid(system) else "UTC"


def parse_when(value: str, option: str, tz: str) -> datetime:
    """An RFC 3339 date-time; one without an offset is read as local time in ``tz``."""
    from zoneinfo import ZoneInfo

    from backspasm.cli.app import say
    from backspasm.core.times import FIRST_YEAR, LAST_YEAR, OutOfRange, parse_option_datetime

    try:
        dt = parse_option_datetime(value, None)
    except OutOfRange:
        fail(say("errors.at_range", option=option, first=FIRST_YEAR, last=LAST_YEAR,
                 got=repr(value)))
    except ValueError:
        fail(say("errors.datetime_format", option=option, got=repr(value)))
    if dt.tzinfo is None:
        try:
            dt = dt.replace(tzinfo=ZoneInfo(tz))
        except (ValueError, OSError, KeyError):
            fail(say("errors.time_zone", option="--tz", got=repr(tz)))
    return dt


def parse_clock(value: str, option: str) -> time:
    """A time of day as HH:MM (24-hour clock)."""
    from backspasm.cli.app import say
    from backspasm.core.times import parse_clock as parse

    clock = parse(value.strip())
    if clock is not None:
        return clock
    fail(say("errors.clock", option=option, got=repr(value)))


def _int_option(value: str | None, option: str, expected: str, lo: int, hi: int) -> int | None:
    """A whole number from ``lo`` to ``hi``; else ``Error:`` with the text ``expected``
    of cli.yaml (``errors.whole``: from lo to hi; ``errors.whole_days``)."""
    if value is None:
        return None
    text = value.strip()
    if text.lstrip("-").isdigit() and lo <= int(text) <= hi:
        return int(text)
    from backspasm.cli.app import say

    fail(say(expected, option=option, lo=lo, hi=hi, got=repr(value)))


@app.command("plan")
def plan_command(
    onset: str | None = typer.Option(
        None, "--onset", help="When the spasm started, e.g. 2025-03-01T08:30+00:00, for a "
        "plan without your diary. Without it: the episode open in your diary."
    ),
    now: str | None = typer.Option(
        None, "--now", help="The moment to plan from (default: the current time)."
    ),
    tz: str | None = typer.Option(
        None, "--tz", help="IANA time zone, e.g. Europe/London (default: your profile's zone "
        "with a diary, else this computer's zone)."
    ),
    wake: str | None = typer.Option(None, "--wake", help="Start of waking hours, HH:MM [07:00]."),
    sleep: str | None = typer.Option(
        None, "--sleep", help="End of waking hours, HH:MM [22:00]; before --wake: awake "
        "across midnight."),
    days: str | None = typer.Option(None, "--days", help="How many days from onset to plan [7]."),
    pain: str | None = typer.Option(None, "--pain", help="Pain right now, 0 to 10 (optional)."),
    trend: str | None = typer.Option(
        None, "--trend", help="Pain since it started: better, same or worse (optional)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    db: str | None = typer.Option(
        None, "--db", metavar="URL",
        help="Diary database (default: $BACKSPASM_DATABASE_URL, else your data folder). "
        "Its latest saved answers fit the plan to you (pregnancy, age, fragile bones); "
        "after an emergency result in it, the emergency card is shown instead (exit 4)."),
) -> None:
    """Make a timed self-care plan.

    With an episode open in your diary (``episode start``), the plan follows it: your
    profile's time zone and waking hours, the care you logged (``log care``) and your pain.
    With --onset, a plan for that onset without your diary. ``--json`` gives each
    session's status: done, due, missed or upcoming.

    The steps are fitted to you from your latest saved answers (``triage --save``).
    Date-times without an offset are read as local time in --tz.
    """
    from datetime import UTC

    from backspasm.core.plan import PlanError, is_easing, make_plan
    from backspasm.knowledge import load_knowledge

    zone = tz if tz is not None else local_zone_name()
    onset_dt = parse_when(onset, "--onset", zone) if onset is not None else None
    now_dt = parse_when(now, "--now", zone) if now is not None else datetime.now(UTC)
    wake_t = parse_clock(wake, "--wake") if wake is not None else None
    sleep_t = parse_clock(sleep, "--sleep") if sleep is not None else None
    days_n = _int_option(days, "--days", "errors.whole_days", -(10**6), 10**6)
    pain_n = _int_option(pain, "--pain", "errors.whole", 0, 10)
    if trend is not None and trend not in _TRENDS:
        from backspasm.cli.app import say

        fail(say("errors.one_of", option="--trend", choices=", ".join(_TRENDS),
                 got=repr(trend)))

    kb = load_knowledge()
    from backspasm.cli.shown import emergency_instead

    emergency_instead(kb, db, now_dt, as_json=as_json)  # core.guidance decides (H4)
    easing = is_easing(kb, pain_n, trend)
    done: list[Any] = []
    if onset_dt is None:
        diary = diary_episode(kb, db, now_dt)
        onset_dt, done = diary["onset"], diary["done"]
        zone = tz if tz is not None else diary["tz"]
        wake_t = diary["wake"] if wake_t is None else wake_t
        sleep_t = diary["sleep"] if sleep_t is None else sleep_t
        if pain_n is None and trend is None:
            easing = diary["easing"]
        person, region = diary["person"], diary["region"]
    else:
        person, region = saved_person(kb, db)
    try:
        plan = make_plan(kb, onset=onset_dt, now=now_dt, tz=zone, wake=wake_t, sleep=sleep_t,
                         days=days_n, easing=easing, person=person, region=region, done=done)
    except PlanError as err:
        fail(f"--{err}")
    if as_json:
        import json

        typer.echo(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False))
        return
    _show(plan, kb)
    from backspasm.cli.shown import show_signs
    from backspasm.core.region import choose_region

    show_signs(kb, choose_region(kb, profile_region=region, tz=zone))  # as the web plan (H20)


def diary_episode(kb: Knowledge, db: str | None, now: datetime) -> dict[str, Any]:
    """The open episode of the local profile and what its plan follows (one read): onset,
    zone, waking hours, the care taken, easing (``status``), person facts and region.
    Without a diary or an open episode: ``Error:`` asking for --onset (exit 2)."""
    from backspasm.cli.app import say
    from backspasm.cli.shown import diary_missing, why_not

    if diary_missing(db):
        fail(say("plan.no_episode"))
    from backspasm.core.fit import person_facts
    from backspasm.status import (
        care_done,
        diary_easing,
        episode_window,
        profile_region,
        status_since,
    )
    from backspasm.store import DatabaseError, StoreError, open_store

    try:
        with open_store(db) as store:
            profile = store.profile_by_key("local")
            data = None if profile is None else store.overview(
                profile.id, pain_since=status_since(kb, now), now=now, window=episode_window(now))
    except (StoreError, DatabaseError) as exc:
        fail(say("errors.db", why=why_not(exc)))
    if data is None or data.current is None or data.current.onset > now:
        fail(say("plan.no_episode"))
    saved = data.latest_triage
    return {"onset": data.current.onset, "tz": data.profile.tz, "wake": data.profile.wake,
            "sleep": data.profile.sleep, "done": care_done(data, now),
            "easing": diary_easing(data, kb, now),
            "person": {} if saved is None else person_facts(saved.answers, saved.unsure),
            "region": profile_region(kb, data.profile).id}


def saved_person(kb: Knowledge, db: str | None) -> tuple[dict[str, Any], str | None]:
    """The person fields of the local profile's latest saved triage ({} when there is none)
    and the region the profile sees (``status.profile_region``). A diary that cannot be
    read is reported on stderr; the plan is then the general one for the default region."""
    from backspasm.cli.shown import diary_missing
    from backspasm.core.fit import person_facts

    if diary_missing(db):  # nothing saved yet: never create a diary just to read it
        return {}, None
    from backspasm.store import DatabaseError, StoreError, open_store

    try:
        with open_store(db) as store:
            profile = store.profile_by_key("local")
            saved = None if profile is None else store.latest_triage(profile.id)
    except (StoreError, DatabaseError) as exc:
        from backspasm.cli.app import say

        typer.echo(say("plan.not_fitted", why=exc), err=True)
        return {}, None
    from backspasm.status import profile_region

    region = None if profile is None else profile_region(kb, profile).id
    return ({} if saved is None else person_facts(saved.answers, saved.unsure)), region


def _show(plan: Plan, kb: Knowledge) -> None:
    """The readable timeline: phase, what to do, then the sessions day by day."""
    from rich.console import Console
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table

    from backspasm.cli.app import say, say_n
    from backspasm.core.plan import session_kind
    from backspasm.knowledge.formats import format_date, format_time

    console = Console()
    phase = next(p for p in kb["plan"]["phases"] if p["id"] == plan.phase)
    since = say_n("plan.since_onset", plan.hours_since_onset)
    console.print(f"[bold]{escape(phase['title'])}[/bold]  ({escape(since)})")
    console.print(escape(phase["summary"]))
    console.print()
    console.print(f"[bold underline]{say('plan.what_to_do')}[/bold underline]")
    for step in plan.steps:
        console.print(
            f"[bold]• {escape(step['title'])}[/bold]  [dim]{escape(step['timing'])}[/dim]"
        )
        lines = [escape(step["text"])]
        for note in step.get("evidence", []):
            cited = ", ".join(note["sources"])
            lines.append(f"[italic]{escape(note['text'])}[/italic] [dim]({cited})[/dim]")
        lines.append(f"[dim]{escape(say('plan.sources', ids=', '.join(step['sources'])))}[/dim]")
        for line in lines:
            console.print(Padding(line, (0, 0, 0, 2), expand=False))
    console.print()
    today = plan.now.date() if plan.now is not None else None
    shown = [s for s in plan.sessions if today is None or s.shown_start.date() >= today]
    due = next((s for s in shown if s.status == "due"), None)
    if due is not None:
        title = session_kind(kb, due.kind)["title"]
        line = say("plan.now_due", title=title, time=format_time(due.start))
        console.print(f"[bold]{escape(line)}[/bold]")
        timer = kb.vocabulary.timer_of.get(due.kind)
        if timer:
            console.print(escape(say("plan.now_timer", timer=timer)))
        console.print()
    if not any(s.status in ("due", "upcoming") for s in shown):
        console.print(f"[bold underline]{say('plan.timetable')}[/bold underline]: "
                      f"{say('plan.no_more_sessions')}")
    else:
        console.print(f"[bold underline]{say('plan.timetable')}[/bold underline] "
                      f"({escape(plan.timezone)})")
        table = Table(show_header=False, box=None, padding=(0, 2))
        day = None
        for s in shown:
            d = s.shown_start.date()
            if d != day:
                table.add_row(f"[bold]{format_date(s.shown_start, 'day_long')}[/bold]", "", "")
                day = d
            times = say("plan.from_to", start=format_time(s.start), end=format_time(s.end))
            mark = {"done": say("plan.done_at", time=format_time(s.shown_start)),
                    "due": say("plan.due"), "missed": say("plan.missed")}.get(s.status, "")
            table.add_row(f"  {times}", escape(session_kind(kb, s.kind)["title"]), escape(mark))
        console.print(table)
    console.print()
    console.print(f"[dim]{escape(say('plan.version', version=plan.knowledge_version))}[/dim]")
