"""``backspasm diary``: pain and care of the last days, and a pain line for each day."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import typer

from backspasm.cli.app import app, fail, say, say_n
from backspasm.cli.common import DB, JSON, console, local, now, open_diary, print_json, whole

_SPARK = "▁▂▃▄▅▆▇█"


def sparkline(scores: list[int]) -> str:
    """One block per pain entry, its height the score (0 → lowest, 10 → highest)."""
    return "".join(_SPARK[round(s * (len(_SPARK) - 1) / 10)] for s in scores)


def add_rows(table: Any, heads: list[str], rows: list[tuple[str, ...]], width: int) -> None:
    """Put ``rows`` in the rich ``table`` (columns headed ``heads``), for a console
    ``width`` cells wide. Cells are shown as typed: plain ``Text``, never read as rich
    markup or ``:emoji:`` codes (a note such as ``[/a]`` is text, not a broken tag).

    When every cell is one printable line and the table fits the width, the rows go in as
    one row of multi-line cells: rich draws exactly the same lines (no lines between rows)
    at a quarter of the cost, ~60 ms of ``backspasm diary`` with 300 entries. Otherwise row
    by row, so that rich wraps each row's cells together.
    """
    from rich.cells import cell_len
    from rich.text import Text

    if rows and all(h.isprintable() and "[" not in h for h in heads) and all(
            cell.isprintable() for row in rows for cell in row):
        columns = list(zip(heads, *rows, strict=True))
        widths = [max(cell_len(cell) for cell in column) for column in columns]
        if sum(w + 2 for w in widths) + len(widths) + 1 <= width:
            table.add_row(*(Text("\n".join(column[1:])) for column in columns))
            return
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))


@app.command("diary")
def diary_command(
    days: str = typer.Option("7", "--days", help="How many days back (default 7)."),
    as_json: bool = JSON,
    db: str | None = DB,
) -> None:
    """Your diary: pain and care, and a pain line for each day."""
    n = whole(days, "--days", 1, 3660)
    if n is None or not 1 <= n <= 3660:
        fail(say("errors.whole", option="--days", lo=1, hi=3660, got=repr(days)))
    moment = now()
    with open_diary(db, light=True) as (store, profile):
        d = store.diary(profile.id, since=moment - timedelta(days=n),
                        until=moment + timedelta(minutes=5))
    tz = profile.tz
    # "what" is a word of the JSON contract (pain, ice, …, episode start): not translated.
    rows: list[tuple[datetime, str, str, str]] = []
    for p in d.pain:
        rows.append((p.at, "pain", say("diary.score", score=p.score), p.note or ""))
    for c in d.care:
        detail = c.medicine or (say("diary.minutes", minutes=c.minutes) if c.minutes else "")
        rows.append((c.start, c.kind, detail, c.note or ""))
    for e in d.episodes:
        if e.onset >= d.since:
            rows.append((e.onset, "episode start", e.trigger or "", ""))
        if e.ended_at is not None and e.ended_at >= d.since:
            rows.append((e.ended_at, "episode end", "", ""))
    rows.sort(key=lambda r: r[0])
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    per_day: dict[str, list[int]] = {}
    for p in d.pain:
        per_day.setdefault(p.at.astimezone(zone).date().isoformat(), []).append(p.score)
    if as_json:
        print_json({
            "since": d.since.isoformat(), "until": d.until.isoformat(), "timezone": tz,
            "entries": [{"at": r[0].isoformat(), "what": r[1], "detail": r[2], "note": r[3]}
                        for r in rows],
            "days": [{"date": k, "pain": v, "sparkline": sparkline(v)}
                     for k, v in sorted(per_day.items())],
        })
        return
    from rich.table import Table

    out = console()
    if not rows:
        out.print(say_n("diary.empty", n))
        return
    table = Table(title=say_n("diary.title", n, tz=tz))
    heads = [say(f"diary.column_{col}") for col in ("when", "what", "detail", "note")]
    for head in heads:
        table.add_column(head)
    add_rows(table, heads, [(local(at, tz), what, detail, note)
                            for at, what, detail, note in rows], out.width)
    out.print(table)
    days_table = Table(title=say("diary.days_title"))
    for col in ("day", "line", "lowest", "highest"):
        days_table.add_column(say(f"diary.column_{col}"))
    for day, scores in sorted(per_day.items()):
        days_table.add_row(day, sparkline(scores), str(min(scores)), str(max(scores)))
    out.print(days_table)
