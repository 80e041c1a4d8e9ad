"""``backspasm status``: where you are now, from your diary (:mod:`backspasm.status`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from backspasm.cli.app import app, say, say_n
from backspasm.cli.common import DB, JSON, console, local, now, open_diary, print_json

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge


@app.command("status")
def status_command(as_json: bool = JSON, db: str | None = DB) -> None:
    """Where you are now: your episode, its phase, the next session, your pain trend,
    and any warnings your diary raises."""
    from backspasm.knowledge import load_knowledge
    from backspasm.status import status_report

    moment = now()
    with open_diary(db, light=True) as (store, profile):
        kb = load_knowledge()
        report = status_report(store, profile, kb, moment)
    if not report["rose"] and report["shows"] != "emergency":
        report["care_card"] = None  # a card only when the diary raised the level, or after
        # an emergency result (core.guidance: then the card, and no plan)
    if as_json:
        print_json(report)
        return
    show_status(report, kb)


def show_status(rep: dict[str, Any], kb: Knowledge) -> None:
    """The report of :func:`backspasm.status.status_report` as text."""
    from rich.markup import escape

    from backspasm.knowledge.formats import format_number

    out = console()
    tz = rep["timezone"]
    phases = {p["id"]: p for p in kb["plan"]["phases"]}
    kinds = {k["kind"]: k for k in kb["plan"]["session_kinds"]}
    ep = rep["episode"]
    if ep is None and rep.get("shows") == "emergency":
        pass  # no suggestion of a self-care episode beside an emergency (core.guidance)
    elif ep is None:
        out.print(say("status.no_episode"))
    else:
        onset = datetime.fromisoformat(ep["onset"])
        out.print(say_n("status.episode", round(ep["hours_since_onset"]), id=ep["id"],
                        at=local(onset, tz)))
        if rep["phase"]:
            ph = phases[rep["phase"]]
            out.print(f"[bold]{escape(ph['title'])}[/bold]: {escape(ph['summary'])}")
        nxt = rep["next_session"]
        if nxt:
            title = kinds.get(nxt["kind"], {}).get("title", nxt["kind"])
            start = datetime.fromisoformat(nxt["start"])
            at = (say("status.now") if start <= datetime.fromisoformat(rep["now"])
                  else local(start, tz))
            out.print(say("status.next", title=escape(title), at=at))
    pain = rep["pain"]
    if pain["latest"] is not None:
        out.print(say("status.pain_now", score=pain["latest"]))
    if pain["trend"] is not None:
        out.print(say("status.trend", trend=say(f"trends.{pain['trend']}"),
                      mean=format_number(pain["mean_last_24h"], 1),
                      before=format_number(pain["mean_previous_24h"], 1)))
    if rep["new_reasons"]:
        out.print()
        head = say("status.rose") if rep["rose"] else say("status.also")
        out.print(f"[bold]{head}[/bold]")
        for reason in rep["new_reasons"]:
            out.print(f"  • {escape(reason['text'])} [dim]({', '.join(reason['sources'])})"
                      "[/dim]")
    card = rep["care_card"]
    if card:
        out.print()
        out.print(f"[bold reverse] {escape(card.get('label', rep['level']))} [/bold reverse]")
        out.print(f"[bold]{escape(card['heading'])}[/bold]")
        if card.get("summary"):
            out.print(escape(card["summary"]))
        for line in card.get("do_now", []):
            out.print(f"  • {escape(line)}")
        from backspasm.cli.shown import region_line

        out.print(escape(region_line(rep["region"])))
