"""`backspasm triage`, `backspasm rules`, `backspasm sources`: thin doors over the core.

Heavy packages (rich) are imported inside the commands so that
``backspasm triage --answers FILE --json`` starts fast.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from backspasm.cli.app import app, fail


def _load_kb() -> Any:
    from backspasm.knowledge import KnowledgeError, load_knowledge

    try:
        return load_knowledge()
    except KnowledgeError as exc:
        fail(f"knowledge: {exc}", code=1)


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC).astimezone()
    from backspasm.core.answers import parse_datetime

    parsed = parse_datetime(value)
    if parsed is None:
        fail(f"--now: expected an RFC 3339 date-time with an offset, got {value!r}")
    return parsed


def _read_answers(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"--answers: cannot read {source!r}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"--answers: {source!r} is not UTF-8 text")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"answers: expected a JSON object, but the JSON is not valid: {exc}")


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
        "the level rises. Default: save after the questions, not with --answers. The result "
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
        sys.stderr.write(f"Note: could not read your diary ({diary_error}), so the numbers "
                         f"are for {choice.record['name']}, chosen from your time zone.\n")
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
                typer.echo("Your answers and this result are saved in your diary.", err=True)
    if save_error is not None:
        sys.stderr.write(f"Not saved in your diary: {save_error}. The result above still "
                         "stands.\n")
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
        from backspasm.store import open_store

        with open_store(db) as store:
            profile = store.ensure_profile(LOCAL_PROFILE, tz=local_zone_name())
            store.save_triage(profile.id, answers=answers, level=result.level,
                              rules=[r.rule for r in result.reasons],
                              knowledge_version=result.knowledge_version,
                              at=min(at, datetime.now(UTC)),
                              unsure=list(getattr(result, "unsure", ())))
    except Exception as exc:
        return why_not(exc)
    return None


def _ask(kb: Any, now: datetime, region: str, *, quiet_stdout: bool) -> tuple[dict[str, Any], Any]:
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
        body += f"\n[italic]Why we ask: {step.why}[/italic]"
        console.print(Panel(body, title=f"Question {step.number} of up to {total}", expand=False))
        for i, opt in enumerate(step.options, start=1):
            console.print(f"  {i}. {opt.label}  [dim]({opt.value})[/dim]")
        if step.kind == "number":
            console.print(f"  [dim]A whole number from {step.minimum} to {step.maximum}.[/dim]")
        elif step.kind == "hours_ago":
            units = ", ".join(f"3 {u.value}" for u in step.units)
            console.print(f"  [dim]A whole number of hours, or with a unit ({units}).[/dim]")
        while True:
            try:
                raw = console.input("> ")
            except EOFError:
                fail("the answers ended before the questions did")
            raw = _shortcut(step, raw.strip())
            try:
                answers, unsure = apply_answer(answers, unsure, step, raw, now=now)
                break
            except AnswersError as exc:
                console.print(f"[bold]Please try again.[/bold] {exc}")


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
        joined = f" {'and' if op == 'all' else 'or'} ".join(
            f"({w})" if (" and " in w or " or " in w) else w for w in words
        )
        return joined
    if op == "not":
        inner = _condition_words(arg, thresholds)
        return f"not ({inner})"
    if op == "flag":
        return f"{arg} is yes"
    name, operand = arg
    if op == "equals":
        return f"{name} is {operand}"
    if op == "one_of":
        return f"{name} is one of {', '.join(map(str, operand))}"
    if isinstance(operand, dict):
        tid = operand["threshold"]
        value = thresholds[tid]
        operand = f"{value:g} ({tid})"
    symbol = {"at_least": "≥", "more_than": ">", "at_most": "≤", "less_than": "<"}[op]
    return f"{name} {symbol} {operand}"


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

    table = Table(title=f"Triage rules (knowledge {kb.version})", show_lines=True)
    for col in ("id", "level", "condition", "sources"):
        table.add_column(col, no_wrap=col in ("id", "level"))
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

    table = Table(title="Sources", show_lines=True)
    for col in ("id", "title", "publisher", "url", "supports"):
        table.add_column(col, overflow="fold", no_wrap=col == "id")
    for s in items:
        table.add_row(s["id"], s["title"], s["publisher"], s.get("url", ""), s["supports"])
    Console(highlight=False).print(table)
