"""``backspasm timer ice|heat|contrast``: a live countdown with a progress bar and a bell.

Remaining time is always computed from the start on a monotonic clock, never by counting
ticks, so a slow terminal or a suspended laptop cannot stretch an ice session. Ctrl-C stops
the timer cleanly, says so, and exits with status 130 (the shell's code for an interrupt);
an interrupted session is not logged.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from backspasm.cli.app import app, fail

if TYPE_CHECKING:
    from backspasm.core.plan import TimerStage

EXIT_INTERRUPTED = 130


def _on_complete(kind: str, started_at: datetime, minutes: float,
                 db: str | None = None) -> None:
    """Called once when a timer runs to the end (not when stopped early).

    ``kind`` is the plan's session kind (``ice``, ``heat`` or ``contrast_shower``),
    ``started_at`` an aware UTC datetime, ``minutes`` the length that was run.
    The diary logs the session here.
    """
    from backspasm.cli.log import log_timer_session

    log_timer_session(kind, started_at, minutes, db=db)


def run_stages(
    stages: Sequence[TimerStage],
    *,
    clock: Callable[[], float] = _time.monotonic,
    sleep: Callable[[float], None] = _time.sleep,
    on_stage: Callable[[int, TimerStage], None] = lambda i, s: None,
    on_tick: Callable[[int, float, float], None] = lambda i, done, total: None,
    tick: float = 0.25,
) -> float:
    """Run the stages back to back; return the planned total in seconds.

    Each stage ends at ``start + sum(lengths so far)`` on ``clock``, so late wake-ups do not
    add up. ``on_stage(i, stage)`` fires as a stage begins, ``on_tick(i, done, total)`` with
    the seconds done in that stage (capped at its length) on every wake-up and at its end.
    """
    start = clock()
    end = start
    for i, stage in enumerate(stages):
        stage_start = end
        end = stage_start + stage.seconds
        on_stage(i, stage)
        while True:
            now = clock()
            on_tick(i, min(max(now - stage_start, 0.0), stage.seconds), stage.seconds)
            remaining = end - now
            if remaining <= 0:
                break
            sleep(min(tick, remaining))
    return end - start


def _mmss(seconds: float) -> str:
    s = max(0, int(seconds + 0.999))
    return f"{s // 60:02d}:{s % 60:02d}"


@app.command("timer")
def timer_command(
    kind: str = typer.Argument(..., help="ice, heat or contrast."),
    minutes: float | None = typer.Option(
        None, "--minutes", help="Length for ice (at most 20) or heat (at most 30). [20]"
    ),
    rounds: int | None = typer.Option(
        None, "--rounds", help="Hot and cold rounds for a contrast shower. [5]"
    ),
    scale: float = typer.Option(1.0, "--scale", hidden=True, help="Speed factor (tests, demos)."),
    db: str | None = typer.Option(
        None, "--db", metavar="URL",
        help="Diary database (default: $BACKSPASM_DATABASE_URL, else your data folder). "
        "After an emergency result in it, the emergency card is shown instead (exit 4)."),
) -> None:
    """Count down an ice, heat or hot-and-cold shower session, with a bell at the end.

    Press Ctrl-C to stop early (exit status 130).
    """
    import sys
    from datetime import UTC
    from math import isfinite

    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn

    from backspasm.cli.app import say
    from backspasm.core.plan import PlanError, session_kind, timer_stages
    from backspasm.knowledge import load_knowledge

    kb = load_knowledge()
    plan_kind = kb.vocabulary.session_of_timer(kind)  # the command-line name is the timer slug
    if plan_kind is None:
        fail(say("errors.one_of", option="KIND", choices=", ".join(kb.vocabulary.timer_slugs),
                 got=repr(kind)))
    if not (isfinite(scale) and scale > 0):
        fail(say("errors.above_zero", option="--scale", got=repr(scale)))
    try:
        stages = timer_stages(kb, plan_kind, minutes=minutes, rounds=rounds)
    except PlanError as err:
        fail(f"--{err}" if err.field in ("minutes", "rounds") else str(err))
    from backspasm.cli.shown import emergency_instead

    emergency_instead(kb, db, datetime.now(UTC))  # core.guidance: no timer after an emergency
    info = session_kind(kb, plan_kind)
    total = sum(s.seconds for s in stages)
    scaled = [type(s)(s.name, s.seconds / scale, s.prompt) for s in stages]

    console = Console()
    console.print(f"[bold]{escape(info['title'])}[/bold]  {_mmss(total)}")
    console.print(escape(info["start_text"]))
    from backspasm.cli.shown import region_for_run, show_signs

    show_signs(kb, region_for_run(kb, None, db)[0])  # as the web timer page (H20)
    rounds_total = len(stages) // 2

    def bell() -> None:
        sys.stdout.write("\a")
        sys.stdout.flush()

    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn(say("timer.left", time="{task.fields[left]}")),
            console=console,
            auto_refresh=False,
        ) as progress:
            task = progress.add_task("", total=1.0, left=_mmss(total))

            def on_stage(i: int, stage: TimerStage) -> None:
                if plan_kind == "contrast_shower":
                    if i:
                        bell()
                    label = say("timer.round", number=i // 2 + 1, total=rounds_total)
                    progress.console.print(f"[bold]{label}[/bold]: {escape(stage.prompt)}")
                    progress.update(task, description=f"{label} {stage.name}")

            def on_tick(i: int, done: float, length: float) -> None:
                elapsed = sum(s.seconds for s in scaled[:i]) + done
                left = (sum(s.seconds for s in scaled) - elapsed) * scale
                progress.update(task, completed=done / length if length else 1.0, left=_mmss(left))
                progress.refresh()

            started_at = datetime.now(UTC)
            run_stages(scaled, on_stage=on_stage, on_tick=on_tick)
    except KeyboardInterrupt:
        console.print(say("timer.stopped"))
        raise typer.Exit(EXIT_INTERRUPTED) from None
    bell()
    console.print(f"[bold]{escape(info['end_text'])}[/bold]")
    _on_complete(plan_kind, started_at, total / 60, db=db)
