"""The diary on the command line: ``episode``, ``log``, ``diary``, ``status``, ``profile``,
``export --json``, ``import``, ``forget``.

A thin door over :mod:`backspasm.store` and :mod:`backspasm.core.trends`. The CLI keeps
one local profile (key ``local``). Every command takes ``--db URL`` (default
``$BACKSPASM_DATABASE_URL``, else SQLite in your data folder). Heavy packages are
imported inside the commands so that start-up stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import typer

from backspasm.cli.app import app, fail

LOCAL_PROFILE = "local"
_SPARK = "▁▂▃▄▅▆▇█"

episode_app = typer.Typer(help="Start or end an episode of back spasm.", no_args_is_help=True)
log_app = typer.Typer(help="Write in your diary: your pain, or care you took.",
                      no_args_is_help=True)
export_app = typer.Typer(help="Save your diary (--json FILE), or other files from it.",
                         invoke_without_command=True)
app.add_typer(episode_app, name="episode")
app.add_typer(log_app, name="log")
app.add_typer(export_app, name="export")

_DB = typer.Option(None, "--db", metavar="URL",
                   help="Database URL or SQLite file (default: $BACKSPASM_DATABASE_URL, "
                        "else your data folder).")
_AT = typer.Option(None, "--at", metavar="TIME",
                   help="When: HH:MM today, or a date and time such as 2025-03-01T08:30 "
                        "(your time zone unless it has an offset). Default: now.")
_NOTE = typer.Option(None, "--note", help="A short note.")
_JSON = typer.Option(False, "--json", help="Print JSON instead of text.")


# --- helpers ----------------------------------------------------------------------------

@contextmanager
def _open(db: str | None) -> Iterator[tuple[Any, Any]]:
    """(store, local profile); store and input errors become ``Error: …`` and an exit."""
    from backspasm.cli.plan import local_zone_name
    from backspasm.core.answers import AnswersError
    from backspasm.knowledge import KnowledgeError
    from backspasm.store import DatabaseError, NotADatabaseError, StoreError, open_store

    try:
        with open_store(db) as store:
            profile = store.ensure_profile(LOCAL_PROFILE, tz=local_zone_name())
            yield store, profile
    except (StoreError, AnswersError) as exc:
        fail(str(exc))
    except NotADatabaseError as exc:
        fail(f"--db: {exc}")
    except DatabaseError as exc:
        fail(str(exc), code=1)
    except KnowledgeError as exc:
        fail(f"knowledge: {exc}", code=1)


def _when(value: str | None, tz: str, now: datetime, option: str = "--at") -> datetime:
    """``None`` → now; ``HH:MM`` → today in ``tz``; else an ISO date-time (local in ``tz``)."""
    from zoneinfo import ZoneInfo

    from backspasm.core.times import RANGE_TEXT, OutOfRange, parse_option_datetime

    if value is None:
        return now
    try:
        return parse_option_datetime(value, ZoneInfo(tz), today=now)
    except OutOfRange:
        fail(f"{option}: expected a date and time {RANGE_TEXT}, got {value!r}")
    except ValueError:
        fail(f"{option}: expected HH:MM or a date and time such as 2025-03-01T08:30, "
             f"got {value!r}")


def _whole(value: str | None, option: str, lo: int, hi: int) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)  # the range is the store's check, which names the field
    fail(f"{option}: expected a whole number from {lo} to {hi}, got {value!r}")


def _local(dt: datetime, tz: str, fmt: str = "%a %d %b %H:%M") -> str:
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo(tz)).strftime(fmt)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def _now() -> datetime:
    return datetime.now(UTC)


# --- episodes ---------------------------------------------------------------------------

@episode_app.command("start")
def episode_start(
    at: str | None = _AT,
    trigger: str | None = typer.Option(
        None, "--trigger",
        help="What started it: lifting, twisting, sport, sudden_movement, fall or unknown."),
    db: str | None = _DB,
) -> None:
    """Start a new episode: the spasm began at --at (default: now)."""
    with _open(db) as (store, profile):
        ep = store.start_episode(profile.id, onset=_when(at, profile.tz, _now()), trigger=trigger)
        typer.echo(f"Episode {ep.id} started {_local(ep.onset, profile.tz)}.")


@episode_app.command("end")
def episode_end(at: str | None = _AT, db: str | None = _DB) -> None:
    """End the open episode: the spasm has gone."""
    with _open(db) as (store, profile):
        ep = store.end_episode(profile.id, at=_when(at, profile.tz, _now()))
        hours = (ep.ended_at - ep.onset).total_seconds() / 3600
        typer.echo(f"Episode {ep.id} ended {_local(ep.ended_at, profile.tz)}, "
                   f"after {hours:.0f} hours.")


# --- log --------------------------------------------------------------------------------

@log_app.command("pain")
def log_pain(
    score: str = typer.Argument(..., metavar="N", help="Your pain now, 0 (none) to 10 (worst)."),
    at: str | None = _AT,
    note: str | None = _NOTE,
    db: str | None = _DB,
) -> None:
    """Write down how much it hurts, from 0 to 10."""
    value = _whole(score, "pain", 0, 10)
    with _open(db) as (store, profile):
        e = store.log_pain(profile.id, score=value, at=_when(at, profile.tz, _now()), note=note)
        typer.echo(f"Pain {e.score}/10 at {_local(e.at, profile.tz)} is in your diary.")


def _care_limit(kind: str, minutes: int | None) -> None:
    """The protocol's longest session for this kind (core.limits): exit 2 naming it."""
    from backspasm.core.limits import check_care_minutes
    from backspasm.core.plan import PlanError
    from backspasm.knowledge import load_knowledge

    try:
        check_care_minutes(load_knowledge(), kind, minutes)
    except PlanError as exc:
        fail(f"--{exc}")


def _care_command(kind: str, doc: str) -> None:
    def command(
        at: str | None = _AT,
        minutes: str | None = typer.Option(None, "--minutes", help="How long, in minutes."),
        note: str | None = _NOTE,
        db: str | None = _DB,
    ) -> None:
        mins = _whole(minutes, "minutes", 1, 1440)
        _care_limit(kind, mins)
        with _open(db) as (store, profile):
            e = store.log_care(profile.id, kind=kind, start=_when(at, profile.tz, _now()),
                               minutes=mins, note=note)
            length = f" for {e.minutes} minutes" if e.minutes else ""
            typer.echo(f"{kind.capitalize()}{length} at {_local(e.start, profile.tz)} "
                       "is in your diary.")

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
    at: str | None = _AT,
    note: str | None = _NOTE,
    db: str | None = _DB,
) -> None:
    """Write down a medicine you took: its name and when. (The app never suggests a dose.)"""
    with _open(db) as (store, profile):
        e = store.log_care(profile.id, kind="medicine", start=_when(at, profile.tz, _now()),
                           medicine=name, note=note)
        typer.echo(f"{e.medicine} at {_local(e.start, profile.tz)} is in your diary.")


# --- diary ------------------------------------------------------------------------------

def sparkline(scores: list[int]) -> str:
    """One block per pain entry, its height the score (0 → lowest, 10 → highest)."""
    return "".join(_SPARK[round(s * (len(_SPARK) - 1) / 10)] for s in scores)


@app.command("diary")
def diary_command(
    days: str = typer.Option("7", "--days", help="How many days back (default 7)."),
    as_json: bool = _JSON,
    db: str | None = _DB,
) -> None:
    """Your diary: pain and care, and a pain line for each day."""
    n = _whole(days, "--days", 1, 3660)
    if n is None or not 1 <= n <= 3660:
        fail(f"--days: expected a whole number from 1 to 3660, got {days!r}")
    now = _now()
    with _open(db) as (store, profile):
        d = store.diary(profile.id, since=now - timedelta(days=n), until=now + timedelta(minutes=5))
    tz = profile.tz
    rows: list[tuple[datetime, str, str, str]] = []
    for p in d.pain:
        rows.append((p.at, "pain", f"{p.score}/10", p.note or ""))
    for c in d.care:
        detail = c.medicine or (f"{c.minutes} min" if c.minutes else "")
        rows.append((c.start, c.kind, detail, c.note or ""))
    for e in d.episodes:
        if e.onset >= d.since:
            rows.append((e.onset, "episode start", e.trigger or "", ""))
        if e.ended_at is not None and e.ended_at >= d.since:
            rows.append((e.ended_at, "episode end", "", ""))
    rows.sort(key=lambda r: r[0])
    per_day: dict[str, list[int]] = {}
    for p in d.pain:
        per_day.setdefault(_local(p.at, tz, "%Y-%m-%d"), []).append(p.score)
    if as_json:
        _print_json({
            "since": d.since.isoformat(), "until": d.until.isoformat(), "timezone": tz,
            "entries": [{"at": r[0].isoformat(), "what": r[1], "detail": r[2], "note": r[3]}
                        for r in rows],
            "days": [{"date": k, "pain": v, "sparkline": sparkline(v)}
                     for k, v in sorted(per_day.items())],
        })
        return
    from rich.table import Table

    console = _console()
    if not rows:
        console.print(f"Nothing in your diary in the last {n} days.")
        return
    table = Table(title=f"Your diary, last {n} days ({tz})")
    for col in ("When", "What", "Detail", "Note"):
        table.add_column(col)
    for at, what, detail, note in rows:
        table.add_row(_local(at, tz), what, detail, note)
    console.print(table)
    days_table = Table(title="Pain each day (each mark is one entry, low to high)")
    for col in ("Day", "Pain line", "Lowest", "Highest"):
        days_table.add_column(col)
    for day, scores in sorted(per_day.items()):
        days_table.add_row(day, sparkline(scores), str(min(scores)), str(max(scores)))
    console.print(days_table)


# --- status -----------------------------------------------------------------------------

@app.command("status")
def status_command(as_json: bool = _JSON, db: str | None = _DB) -> None:
    """Where you are now: your episode, its phase, the next session, your pain trend,
    and any warnings your diary raises."""
    from backspasm.knowledge import load_knowledge
    from backspasm.status import status_report

    now = _now()
    with _open(db) as (store, profile):
        kb = load_knowledge()
        report = status_report(store, profile, kb, now)
    if not report["rose"] and report["shows"] != "emergency":
        report["care_card"] = None  # a card only when the diary raised the level, or after
        # an emergency result (core.guidance: then the card, and no plan)
    if as_json:
        _print_json(report)
        return
    _show_status(report, kb)


def _show_status(rep: dict[str, Any], kb: Any) -> None:
    from rich.markup import escape

    console = _console()
    tz = rep["timezone"]
    phases = {p["id"]: p for p in kb["plan"]["phases"]}
    kinds = {k["kind"]: k for k in kb["plan"]["session_kinds"]}
    ep = rep["episode"]
    if ep is None and rep.get("shows") == "emergency":
        pass  # no suggestion of a self-care episode beside an emergency (core.guidance)
    elif ep is None:
        console.print("No open episode. Start one with: backspasm episode start")
    else:
        onset = datetime.fromisoformat(ep["onset"])
        console.print(f"[bold]Episode {ep['id']}[/bold]: started {_local(onset, tz)}, "
                      f"{ep['hours_since_onset']:.0f} hours ago.")
        if rep["phase"]:
            ph = phases[rep["phase"]]
            console.print(f"[bold]{escape(ph['title'])}[/bold]: {escape(ph['summary'])}")
        nxt = rep["next_session"]
        if nxt:
            title = kinds.get(nxt["kind"], {}).get("title", nxt["kind"])
            start = datetime.fromisoformat(nxt["start"])
            when = "now" if start <= datetime.fromisoformat(rep["now"]) else _local(start, tz)
            console.print(f"Next: {escape(title)}, {when}.")
    pain = rep["pain"]
    if pain["latest"] is not None:
        console.print(f"Pain now: {pain['latest']}/10.")
    if pain["trend"] is not None:
        console.print(f"Your pain over the last day: {pain['trend']} "
                      f"(average {pain['mean_last_24h']:.1f}, the day before "
                      f"{pain['mean_previous_24h']:.1f}).")
    if rep["new_reasons"]:
        console.print()
        head = ("Your diary shows signs that need more care than before:" if rep["rose"]
                else "Your diary also shows:")
        console.print(f"[bold]{head}[/bold]")
        for reason in rep["new_reasons"]:
            console.print(f"  • {escape(reason['text'])} [dim]({', '.join(reason['sources'])})"
                          "[/dim]")
    card = rep["care_card"]
    if card:
        console.print()
        console.print(f"[bold reverse] {escape(card.get('label', rep['level']))} [/bold reverse]")
        console.print(f"[bold]{escape(card['heading'])}[/bold]")
        if card.get("summary"):
            console.print(escape(card["summary"]))
        for line in card.get("do_now", []):
            console.print(f"  • {escape(line)}")
        from backspasm.cli.shown import region_line

        console.print(escape(region_line(rep["region"])))


# --- profile ----------------------------------------------------------------------------

@app.command("profile")
def profile_command(
    tz: str | None = typer.Option(None, "--tz", help="Your time zone, e.g. Europe/London."),
    wake: str | None = typer.Option(None, "--wake", help="When you get up, HH:MM."),
    sleep: str | None = typer.Option(None, "--sleep", help="When you go to bed, HH:MM."),
    region: str | None = typer.Option(None, "--region", help="Where you live: GB, US, EU, …"),
    age: str | None = typer.Option(None, "--age", help="Your age in years."),
    as_json: bool = _JSON,
    db: str | None = _DB,
) -> None:
    """Show or change your settings: time zone, waking hours, region, age."""
    from backspasm.cli.plan import parse_clock

    changes: dict[str, Any] = {}
    if tz is not None:
        changes["tz"] = tz
    if wake is not None:
        changes["wake"] = parse_clock(wake, "--wake")
    if sleep is not None:
        changes["sleep"] = parse_clock(sleep, "--sleep")
    if region is not None:
        changes["region"] = region
    if age is not None:
        changes["age"] = _whole(age, "age", 0, 120)
    with _open(db) as (store, profile):
        if changes:
            profile = store.update_profile(profile.id, **changes)
    shown = {"tz": profile.tz, "wake": profile.wake.strftime("%H:%M"),
             "sleep": profile.sleep.strftime("%H:%M"), "region": profile.region,
             "age": profile.age}
    if as_json:
        _print_json(shown)
    else:
        for k, v in shown.items():
            typer.echo(f"{k}: {'' if v is None else v}")
        if profile.region is None:
            from backspasm.cli.shown import region_line
            from backspasm.knowledge import load_knowledge
            from backspasm.status import profile_region

            choice = profile_region(load_knowledge(), profile)
            typer.echo(f"  (not chosen yet) {region_line(choice)}")


# --- export / import / forget -----------------------------------------------------------

@export_app.callback()
def export_command(
    ctx: typer.Context,
    json_file: str | None = typer.Option(None, "--json", metavar="FILE",
                                         help="Save everything in your diary as JSON "
                                              "(- for standard output)."),
    db: str | None = _DB,
) -> None:
    """Save your whole diary as JSON (--json FILE), or make other files from it."""
    if ctx.invoked_subcommand is not None:
        if json_file is not None:
            fail("--json: use it on its own, without a subcommand")
        if db is not None:  # subcommands (ics, fhir) open the store from the environment
            import os

            os.environ["BACKSPASM_DATABASE_URL"] = db
        return
    if json_file is None:
        fail("--json: expected a file to write (or -), e.g. backspasm export --json diary.json")
    with _open(db) as (store, profile):
        doc = store.export_profile(profile.id)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if json_file == "-":
        sys.stdout.write(text)
        return
    _write_atomic(json_file, text)
    typer.echo(f"Wrote {json_file}", err=True)


def _write_atomic(path: str, text: str) -> None:
    import os
    import tempfile
    from pathlib import Path

    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        fail(f"--json: cannot write {path}: {exc.strerror}")


@app.command("import")
def import_command(
    file: str = typer.Argument(..., metavar="FILE", help="A diary saved with export --json."),
    replace: bool = typer.Option(False, "--replace",
                                 help="Replace what is in your diary now."),
    db: str | None = _DB,
) -> None:
    """Load a diary saved with ``export --json``. All of it goes in, or nothing does."""
    try:
        raw = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()
    except OSError as exc:
        fail(f"FILE: cannot read {file}: {exc.strerror}")
    except UnicodeDecodeError:
        fail(f"FILE: expected a UTF-8 JSON file, got {file}")
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        fail(f"FILE: expected JSON, but line {exc.lineno} column {exc.colno}: {exc.msg}")
    with _open(db) as (store, profile):
        counts = store.import_profile(profile.id, doc, replace=replace)
    typer.echo("Imported " + ", ".join(f"{v} {k}" for k, v in counts.items()) + ".")


@app.command("forget")
def forget_command(
    yes: bool = typer.Option(False, "--yes", help="Yes, delete everything in my diary."),
    db: str | None = _DB,
) -> None:
    """Delete everything in your diary, for good."""
    if not yes:
        fail("forget: this deletes your whole diary; add --yes if you are sure")
    with _open(db) as (store, profile):
        counts = store.forget(profile.id)
    typer.echo("Deleted " + ", ".join(f"{v} {k}" for k, v in counts.items()) + ".")


# --- triage records ---------------------------------------------------------------------

def save_triage_result(answers: dict[str, Any], result: Any, *, at: datetime,
                       db: str | None = None) -> str | None:
    """Keep a triage result in the diary (``backspasm triage --save``), after it was shown.

    Returns ``None`` when saved, else why not, in one line. Never raises: whatever went
    wrong with the diary (a server down, a folder that cannot be made, a read-only or
    broken file), the caller has shown the result and reports this after it (H26).
    """
    from backspasm.cli.plan import local_zone_name
    from backspasm.cli.shown import why_not

    try:
        from backspasm.store import open_store

        with open_store(db) as store:
            profile = store.ensure_profile(LOCAL_PROFILE, tz=local_zone_name())
            store.save_triage(profile.id, answers=answers, level=result.level,
                              rules=[r.rule for r in result.reasons],
                              knowledge_version=result.knowledge_version, at=min(at, _now()),
                              unsure=list(getattr(result, "unsure", ())))
    except Exception as exc:
        return why_not(exc)
    return None


# --- timers -----------------------------------------------------------------------------



def log_timer_session(kind: str, started_at: datetime, minutes: float,
                      db: str | None = None) -> None:
    """Log a timer that ran to the end (called by ``backspasm timer``)."""
    from backspasm.knowledge import load_knowledge

    care = load_knowledge().vocabulary.care_kind_of.get(kind)
    if care is None:
        return  # not a care session (e.g. a check-in): nothing to log
    _care_limit(care, max(1, round(minutes)))
    with _open(db) as (store, profile):
        e = store.log_care(profile.id, kind=care, start=started_at,
                           minutes=max(1, round(minutes)))
        typer.echo(f"{care.capitalize()} for {e.minutes} minutes is in your diary.")
