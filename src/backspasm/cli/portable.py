"""The diary as a file and back: ``export --json``, ``import``, ``forget``.

The ``export`` group lives here; ``export ics`` and ``export fhir`` (cli/exports.py) attach
to it and read its ``--db`` through the Typer context.
"""

from __future__ import annotations

import json
import sys

import typer

from backspasm.cli.app import app, fail, say, say_n
from backspasm.cli.common import DB, keep_db, open_diary
from backspasm.cli.files import write_output

export_app = typer.Typer(help="Save your diary (--json FILE), or other files from it.",
                         invoke_without_command=True)
app.add_typer(export_app, name="export")


def counts_text(counts: dict[str, int]) -> str:
    """Row counts as words: "1 episode, 2 pain scores, 0 care entries, …"."""
    from backspasm.knowledge.formats import format_list

    return format_list([say_n(f"counts.{k}", v) for k, v in counts.items()])


@export_app.callback()
def export_command(
    ctx: typer.Context,
    json_file: str | None = typer.Option(None, "--json", metavar="FILE",
                                         help="Save everything in your diary as JSON "
                                              "(- for standard output)."),
    db: str | None = DB,
) -> None:
    """Save your whole diary as JSON (--json FILE), or make other files from it."""
    if ctx.invoked_subcommand is not None:
        if json_file is not None:
            fail(say("errors.json_alone"))
        keep_db(ctx, db)  # export --db URL ics …: the subcommand reads it (common.diary_url)
        return
    if json_file is None:
        fail(say("errors.json_file"))
    with open_diary(db) as (store, profile):
        doc = store.export_profile(profile.id)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    write_output(json_file, text.encode("utf-8"), option="--json")


@app.command("import")
def import_command(
    file: str = typer.Argument(..., metavar="FILE", help="A diary saved with export --json."),
    replace: bool = typer.Option(False, "--replace",
                                 help="Replace what is in your diary now."),
    db: str | None = DB,
) -> None:
    """Load a diary saved with ``export --json``. All of it goes in, or nothing does."""
    try:
        raw = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()
    except OSError as exc:
        fail(say("errors.cannot_read", option="FILE", file=file, why=exc.strerror))
    except UnicodeDecodeError:
        fail(say("errors.not_utf8", option="FILE", file=file))
    from backspasm.core.json_text import DuplicateField, unique_object

    try:
        doc = json.loads(raw, object_pairs_hook=unique_object)
    except DuplicateField as exc:  # the parser would keep the last (core/json_text.py)
        fail(say("errors.duplicate_field", option="FILE", field=exc.name))
    except json.JSONDecodeError as exc:
        fail(say("errors.not_json", option="FILE", line=exc.lineno, column=exc.colno,
                 why=exc.msg))
    with open_diary(db) as (store, profile):
        counts = store.import_profile(profile.id, doc, replace=replace)
    typer.echo(say("portable.imported", counts=counts_text(counts)))


@app.command("forget")
def forget_command(
    yes: bool = typer.Option(False, "--yes", help="Yes, delete everything in my diary."),
    db: str | None = DB,
) -> None:
    """Delete everything in your diary, for good."""
    if not yes:
        fail(say("errors.forget_yes"))
    with open_diary(db) as (store, profile):
        counts = store.forget(profile.id)
    typer.echo(say("portable.deleted", counts=counts_text(counts)))
