"""``backspasm timer ice|heat|contrast``: a live countdown with a progress bar and a bell.

Remaining time is always computed from the start on a monotonic clock, never by counting
ticks, so a slow terminal or a suspended laptop cannot stretch an ice session. In a
terminal, p or space pauses and resumes (the time paused does not count), and q stops.
Stopped early (q, or Ctrl-C), it asks whether to log the whole minutes done, through the
same diary path as a finished session; Ctrl-C then exits with status 130 (the shell's code
for an interrupt), q with 0. Without a terminal (a pipe) there are no keys and no question:
an interrupted session is not logged.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from backspasm.cli.app import app, fail

if TYPE_CHECKING:
    from backspasm.core.plan import TimerStage

EXIT_INTERRUPTED = 130
PAUSE_KEYS = ("p", "P", " ")
STOP_KEYS = ("q", "Q")


class TimerStopped(Exception):
    """The person pressed q."""


def _on_complete(kind: str, started_at: datetime, minutes: float,
                 db: str | None = None) -> None:
    """Called once when a timer runs to the end, or is stopped early and the person says
    to log the minutes done.

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
    keys: Callable[[float], str | None] | None = None,
    on_pause: Callable[[bool], None] = lambda paused: None,
) -> float:
    """Run the stages back to back; return the planned total in seconds.

    Each stage ends at ``start + sum(lengths so far)`` on ``clock`` (plus the time spent
    paused), so late wake-ups do not add up. ``on_stage(i, stage)`` fires as a stage begins,
    ``on_tick(i, done, total)`` with the seconds done in that stage (capped at its length)
    on every wake-up and at its end. ``keys(timeout)``, if given, waits up to ``timeout``
    seconds for a key instead of ``sleep``: p or space pauses and resumes (``on_pause``),
    q raises :class:`TimerStopped`.
    """
    def wait(timeout: float) -> str | None:
        if keys is None:
            sleep(timeout)
            return None
        return keys(timeout)

    end = clock()
    for i, stage in enumerate(stages):
        stage_start = end
        end = stage_start + stage.seconds
        on_stage(i, stage)
        paused_at: float | None = None
        while True:
            now = clock()
            if paused_at is None:
                on_tick(i, min(max(now - stage_start, 0.0), stage.seconds), stage.seconds)
                remaining = end - now
                if remaining <= 0:
                    break
                key = wait(min(tick, remaining))
            else:
                key = wait(tick)
            if key in STOP_KEYS:
                raise TimerStopped
            if key in PAUSE_KEYS:
                if paused_at is None:
                    paused_at = clock()
                    on_pause(True)
                else:
                    shift = clock() - paused_at
                    stage_start += shift
                    end += shift
                    paused_at = None
                    on_pause(False)
    return float(sum(s.seconds for s in stages))


@contextmanager
def terminal_keys() -> Iterator[Callable[[float], str | None] | None]:
    """Single key presses from the terminal (no Enter needed; Ctrl-C still interrupts), or
    ``None`` when stdin is not a terminal. The terminal is set back on the way out."""
    import sys

    stdin = sys.stdin
    fd = -1
    try:
        fd = stdin.fileno()
        interactive = stdin.isatty()
    except (AttributeError, OSError, ValueError):
        interactive = False
    if not interactive:
        yield None
        return
    try:
        import termios
        import tty
    except ImportError:  # Windows: no keys, the timer still runs
        yield None
        return
    import os
    import select

    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def read(timeout: float) -> str | None:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return None
        return os.read(fd, 1).decode("utf-8", "replace") or None

    try:
        yield read
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _ask_to_log(kind: str, slug: str, started_at: datetime, seconds: float,
                db: str | None) -> None:
    """Stopped early: ask (only in a terminal) whether to log the whole minutes done."""
    import sys

    from backspasm.cli.app import say, say_n

    minutes = int(seconds // 60)
    if minutes < 1 or not sys.stdin.isatty():
        return
    question = say_n("timer.ask_log", minutes, what=say(f"timer.what_{slug}"))
    if typer.confirm(question, default=False):
        _on_complete(kind, started_at, minutes, db=db)
    else:
        typer.echo(say("timer.not_logged"))


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

    Keys while it runs (in a terminal): p or space pauses and resumes, with the time left
    shown; q stops. Ctrl-C stops too (exit status 130). Stopped early after a minute or
    more, it asks whether to log the minutes done in your diary.
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

    ran = [0.0]  # seconds run so far, pauses left out (scaled back to real seconds)
    slug = kind
    started_at = datetime.now(UTC)
    interrupted = False
    try:
        with terminal_keys() as keys, Progress(
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
                ran[0] = elapsed * scale
                left = (sum(s.seconds for s in scaled) - elapsed) * scale
                progress.update(task, completed=done / length if length else 1.0, left=_mmss(left))
                progress.refresh()

            def on_pause(paused: bool) -> None:
                left = _mmss(total - ran[0])
                key = "timer.paused" if paused else "timer.resumed"
                progress.console.print(say(key, time=left))
                progress.refresh()

            if keys is not None:
                console.print(say("timer.keys"))
            started_at = datetime.now(UTC)
            run_stages(scaled, on_stage=on_stage, on_tick=on_tick, keys=keys,
                       on_pause=on_pause)
    except KeyboardInterrupt:
        interrupted = True
    except TimerStopped:
        pass
    else:
        bell()
        console.print(f"[bold]{escape(info['end_text'])}[/bold]")
        _on_complete(plan_kind, started_at, total / 60, db=db)
        return
    console.print(say("timer.stopped"))
    try:
        _ask_to_log(plan_kind, slug, started_at, ran[0], db)
    except (KeyboardInterrupt, typer.Abort):
        console.print(say("timer.not_logged"))
        interrupted = True
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
