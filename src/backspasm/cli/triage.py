"""`backspasm triage`, `backspasm rules`, `backspasm sources`: thin doors over the core.

Heavy packages (rich) are imported inside the commands so that
``backspasm triage --answers FILE --json`` starts fast.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from backspasm.cli.app import app, fail, say

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge


def _load_kb() -> Any:
    from backspasm.knowledge import KnowledgeError, load_knowledge

    try:
        return load_knowledge()
    except KnowledgeError as exc:
        fail(say("errors.knowledge", why=exc), code=1)


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC).astimezone()
    from backspasm.core.answers import parse_datetime

    parsed = parse_datetime(value)
    if parsed is None:
        fail(say("errors.now_offset", option="--now", got=repr(value)))
    return parsed


def _read_answers(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        fail(say("errors.cannot_read", option="--answers", file=repr(source),
                 why=exc.strerror or exc))
    except UnicodeDecodeError:
        fail(say("errors.not_text", option="--answers", file=repr(source)))
    from backspasm.core.json_text import DuplicateField, unique_object

    try:
        return json.loads(text, object_pairs_hook=unique_object)
    except DuplicateField as exc:  # the parser would keep the last (core/json_text.py)
        fail(say("errors.answers_duplicate", field=exc.name))
    except json.JSONDecodeError as exc:
        fail(say("errors.answers_json", why=exc))


@app.command()
def triage(
    answers: str | None = typer.Option(
        None, "--answers", metavar="FILE|-", help="Answers as JSON (a file, or - for stdin)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    region: str | None = typer.Option(
        None, "--region",
        help="Emergency numbers for GB, US or EU, for this run only (default: your diary's "
        "region, else the one of your time zone; with --region the diary is not read).",
    ),
    now: str | None = typer.Option(
        None, "--now", help="Judge at this moment (RFC 3339), instead of the current time."
    ),
    save: bool | None = typer.Option(
        None,
        "--save/--no-save",
        help="Keep the answers and result in your diary, so `backspasm status` can tell when "
        "the level rises; unless it is an emergency, this also opens the episode from the "
        "onset you gave and writes down your pain, as the web app does. Default: save after "
        "the questions, not with --answers. The result "
        "is always shown first; if it cannot be saved, that is said after it and the exit "
        "status is 3.",
    ),
    db: str | None = typer.Option(
        None, "--db", help="Diary database URL (default: $BACKSPASM_DATABASE_URL or SQLite)."
    ),
) -> None:
    """How urgently to get help. Asks the questions one at a time, or reads --answers."""
    from backspasm.cli.shown import EXIT_NOT_SAVED, region_for_run, show_result
    from backspasm.core.answers import AnswersError, parse_answers
    from backspasm.core.triage import triage as run_triage

    kb = _load_kb()
    moment = _now(now)
    try:
        choice, diary_error = region_for_run(kb, region, db)
    except AnswersError as exc:
        fail(str(exc))
    if diary_error is not None:
        sys.stderr.write(say("triage.diary_unread", why=diary_error,
                             region=choice.record["name"]) + "\n")
    try:
        if answers is not None:
            parsed = parse_answers(_read_answers(answers), default_now=moment)
            result = run_triage(parsed, kb, region=choice.id)
            given = parsed.to_dict()
        else:
            given, result = _ask(kb, moment, choice.id, quiet_stdout=as_json)
    except AnswersError as exc:
        fail(str(exc))
    out = result.to_dict()
    want_save = save if save is not None else answers is None
    save_error = None
    if as_json:
        # One JSON object carries the result and whether it was kept; nothing can stop it.
        if want_save:
            save_error = _save(given, result, moment, db)
            out.update({"saved": save_error is None, "save_error": save_error})
        out["region_choice"] = choice.to_dict()
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    else:
        show_result(out, kb, region=choice)  # show first, then save (H26)
        if want_save:
            save_error = _save(given, result, moment, db)
            if save_error is None:
                typer.echo(say("triage.saved"), err=True)
    if save_error is not None:
        sys.stderr.write(say("triage.not_saved", why=save_error) + "\n")
        raise typer.Exit(EXIT_NOT_SAVED)


def _save(given: dict[str, Any], result: Any, moment: datetime, db: str | None) -> str | None:
    return save_triage_result(given, result, at=moment, db=db)


def save_triage_result(answers: dict[str, Any], result: Any, *, at: datetime,
                       db: str | None = None) -> str | None:
    """Keep a triage result in the diary (``backspasm triage --save``), after it was shown.

    Returns ``None`` when saved, else why not, in one line. Never raises: whatever went
    wrong with the diary (a server down, a folder that cannot be made, a read-only or
    broken file), the caller has shown the result and reports this after it (H26).
    """
    from backspasm.cli.common import LOCAL_PROFILE
    from backspasm.cli.plan import local_zone_name
    from backspasm.cli.shown import why_not

    try:
        from backspasm.status import keep_triage
        from backspasm.store import open_store

        with open_store(db) as store:  # as the web keeps a confirmed result (H1, H17)
            profile = store.ensure_profile(LOCAL_PROFILE, tz=local_zone_name())
            keep_triage(store, profile.id, answers, level=result.level,
                        rules=[r.rule for r in result.reasons],
                        knowledge_version=result.knowledge_version,
                        unsure=list(getattr(result, "unsure", ())),
                        at=min(at, datetime.now(UTC)))
    except Exception as exc:
        return why_not(exc)
    return None


def _ask(
    kb: Knowledge, now: datetime, region: str, *, quiet_stdout: bool
) -> tuple[dict[str, Any], Any]:
    """Ask the flow's questions one at a time on the terminal; return (answers, result)."""
    from rich.console import Console
    from rich.panel import Panel

    from backspasm.core.answers import AnswersError, format_datetime
    from backspasm.core.flow import Outcome, apply_answer, next_step

    console = Console(stderr=quiet_stdout, highlight=False)
    answers: dict[str, Any] = {}
    unsure: frozenset[str] = frozenset()
    total = len(kb["questions"]["questions"])
    # Validate the region before the first question, not after the last.
    next_step({}, kb, now=now, region=region)
    while True:
        step = next_step(answers, kb, now=now, unsure=unsure, region=region)
        if isinstance(step, Outcome):
            return {"now": format_datetime(now), **answers}, step.result
        body = step.text
        if step.hint:
            body += f"\n[dim]{step.hint}[/dim]"
        body += f"\n[italic]{say('triage.why_we_ask', why=step.why)}[/italic]"
        console.print(Panel(body, title=say("triage.question_of", number=step.number,
                                            total=total), expand=False))
        for i, opt in enumerate(step.options, start=1):
            console.print(f"  {i}. {opt.label}  [dim]({opt.value})[/dim]")
        if step.kind == "number":
            hint = say("triage.number_hint", low=step.minimum, high=step.maximum)
            console.print(f"  [dim]{hint}[/dim]")
        elif step.kind == "hours_ago":
            from backspasm.knowledge.formats import format_list

            units = format_list([say("triage.unit_example", unit=u.value) for u in step.units])
            console.print(f"  [dim]{say('triage.hours_hint', units=units)}[/dim]")
        while True:
            try:
                raw = console.input("> ")
            except EOFError:
                fail(say("errors.answers_ended"))
            raw = _shortcut(step, raw.strip())
            try:
                answers, unsure = apply_answer(answers, unsure, step, raw, now=now)
                break
            except AnswersError as exc:
                console.print(f"[bold]{say('triage.try_again')}[/bold] {exc}")


def _shortcut(step: Any, raw: str) -> str:
    """Accept the option number, or y / n / ? for yes / no / not sure."""
    if step.options and raw.isdigit() and 1 <= int(raw) <= len(step.options):
        return step.options[int(raw) - 1].value
    if step.kind == "yes_no":
        return {"y": "yes", "n": "no", "?": "not_sure"}.get(raw.lower(), raw.lower())
    return raw


def _condition_words(cond: Any, thresholds: dict[str, Any]) -> str:
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        words = [_condition_words(c, thresholds) for c in arg]
        joiners = (f" {say('rules.and')} ", f" {say('rules.or')} ")
        return joiners[op == "any"].join(
            f"({w})" if any(j in w for j in joiners) else w for w in words
        )
    if op == "not":
        return say("rules.not", inner=_condition_words(arg, thresholds))
    if op == "flag":
        return say("rules.flag", name=arg)
    name, operand = arg
    if op == "equals":
        return say("rules.equals", name=name, operand=operand)
    if op == "one_of":
        return say("rules.one_of", name=name, values=", ".join(map(str, operand)))
    if isinstance(operand, dict):
        from backspasm.knowledge.formats import format_number

        tid = operand["threshold"]
        operand = say("rules.threshold", number=format_number(thresholds[tid]), threshold=tid)
    symbol = {"at_least": "≥", "more_than": ">", "at_most": "≤", "less_than": "<"}[op]
    return say("rules.compare", name=name, symbol=symbol, operand=operand)


@app.command()
def rules(as_json: bool = typer.Option(False, "--json", help="Print the rules as JSON.")) -> None:
    """The triage rule base: each rule's level, condition in words and sources."""
    kb = _load_kb()
    thresholds = {t["id"]: t["value"] for t in kb["thresholds"]["thresholds"]}
    rows = [
        {
            "id": r["id"],
            "level": r["level"],
            "title": r["title"],
            "condition": _condition_words(r["when"], thresholds),
            "text": r["text"],
            "sources": list(r["sources"]),
        }
        for r in kb["rules"]["rules"]
    ]
    if as_json:
        out = {"rules": rows, "knowledge_version": kb.version}
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=say("rules.title", version=kb.version), show_lines=True)
    for col in ("id", "level", "condition", "sources"):
        table.add_column(say(f"rules.column_{col}"), no_wrap=col in ("id", "level"))
    for row in rows:
        table.add_row(row["id"], row["level"], row["condition"], ", ".join(row["sources"]))
    Console(highlight=False).print(table)


@app.command()
def sources(
    as_json: bool = typer.Option(False, "--json", help="Print the sources as JSON."),
) -> None:
    """The sources every rule and piece of advice cites."""
    kb = _load_kb()
    items = kb["sources"]["sources"]
    if as_json:
        sys.stdout.write(json.dumps({"sources": items}, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=say("sources.title"), show_lines=True)
    for col in ("id", "title", "publisher", "url", "supports"):
        table.add_column(say(f"sources.column_{col}"), overflow="fold", no_wrap=col == "id")
    for s in items:
        table.add_row(s["id"], s["title"], s["publisher"], s.get("url", ""), s["supports"])
    Console(highlight=False).print(table)
