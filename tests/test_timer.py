"""``backspasm timer``: the countdown loop (driven by a test clock) and the real command."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest
from typer.testing import CliRunner

from backspasm.cli import timer as timer_mod
from backspasm.cli.app import app
from backspasm.cli.timer import EXIT_INTERRUPTED, run_stages
from backspasm.core.plan import TimerStage
from backspasm.knowledge import load_knowledge


class Clock:
    """A test clock: ``sleep`` advances it, by ``late`` times what was asked."""

    def __init__(self, late: float = 1.0, start: float = 1000.0) -> None:
        self.t = start
        self.late = late
        self.sleeps = 0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps += 1
        self.t += seconds * self.late


STAGES = [TimerStage("hot", 150, "hot"), TimerStage("cold", 30, "cold")] * 2


def test_stages_end_on_time_from_the_start_not_by_counting_ticks():
    clock = Clock(late=1.0)
    ticks: list[tuple[int, float, float]] = []
    started: list[str] = []
    total = run_stages(
        STAGES,
        clock=clock,
        sleep=clock.sleep,
        on_stage=lambda i, s: started.append(s.name),
        on_tick=lambda i, done, length: ticks.append((i, done, length)),
        tick=7.0,
    )
    assert total == 360
    assert clock.t == pytest.approx(1000 + 360)  # not one tick more
    assert started == ["hot", "cold", "hot", "cold"]
    # every stage reports its full length at its end
    for i, stage in enumerate(STAGES):
        assert max(done for j, done, _ in ticks if j == i) == stage.seconds


def test_late_wakeups_do_not_stretch_the_timer():
    # The sleeper wakes 3x late: counting ticks would run 3x too long; the deadline does not.
    clock = Clock(late=3.0)
    run_stages(STAGES, clock=clock, sleep=clock.sleep, tick=10.0)
    assert clock.t - 1000 < 360 + 3 * 10  # at most one late tick past the end
    precise = Clock(late=1.0)
    run_stages(STAGES, clock=precise, sleep=precise.sleep, tick=10.0)
    assert clock.sleeps < precise.sleeps


def test_a_wakeup_past_a_whole_stage_still_announces_every_stage():
    clock = Clock()

    def oversleep(seconds: float) -> None:
        clock.t += 500  # e.g. a laptop lid closed

    started: list[int] = []
    run_stages(STAGES, clock=clock, sleep=oversleep, on_stage=lambda i, s: started.append(i))
    assert started == [0, 1, 2, 3]


def test_interrupt_propagates_out_of_the_loop():
    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_stages(STAGES, sleep=interrupted)


def test_completed_timer_calls_on_complete_once(monkeypatch):
    calls: list[tuple[str, datetime, float]] = []
    monkeypatch.setattr(timer_mod, "_on_complete", lambda *a, **kw: calls.append(a))
    result = CliRunner().invoke(app, ["timer", "ice", "--minutes", "0.005"])
    assert result.exit_code == 0, result.output
    end_text = load_knowledge()["plan"]["session_kinds"][0]["end_text"]
    assert end_text.split(".")[0] in result.output
    ((kind, started_at, minutes),) = calls
    assert kind == "ice" and minutes == pytest.approx(0.005)
    assert started_at.utcoffset() is not None


@pytest.fixture(autouse=True)
def own_diary(tmp_path, monkeypatch):
    """A finished timer writes to the diary: keep it in a throwaway SQLite file."""
    monkeypatch.setenv("BACKSPASM_DATABASE_URL", f"sqlite:///{tmp_path / 'diary.db'}")


def run(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backspasm", "timer", *args],
        capture_output=True,
        text=True,
        timeout=60,
        **kw,
    )


def test_ice_timer_rings_a_bell_and_says_take_it_off():
    r = run("ice", "--minutes", "0.01")
    assert r.returncode == 0, r.stderr
    assert "\a" in r.stdout
    assert "Take the ice pack off now" in r.stdout
    assert r.stdout.index("\a") < r.stdout.index("Take the ice pack off now")


def test_contrast_alternates_hot_and_cold_rounds():
    kb = load_knowledge()
    kind = next(k for k in kb["plan"]["session_kinds"] if k["kind"] == "contrast_shower")
    r = run("contrast", "--rounds", "2", "--scale", "600")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    positions = [
        out.index(f"Round 1 of 2: {kind['hot_text']}"),
        out.index(f"Round 1 of 2: {kind['cold_text']}"),
        out.index(f"Round 2 of 2: {kind['hot_text']}"),
        out.index(f"Round 2 of 2: {kind['cold_text']}"),
        out.index(kind["end_text"]),
    ]
    assert positions == sorted(positions)
    assert out.count("\a") == 4  # three switches and the end


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["ice", "--minutes", "25"],
            "--minutes: expected a number of minutes above 0 and at most 20",
        ),
        (["heat", "--minutes", "0"], "--minutes: expected a number of minutes above 0"),
        (["contrast", "--rounds", "0"], "--rounds: expected a whole number from 1 to 10"),
        (["contrast", "--minutes", "3"], "--minutes: expected no minutes for a contrast shower"),
        (["ice", "--rounds", "3"], "--rounds: expected no rounds for ice"),
        (["cold"], "KIND: expected one of ice, heat, contrast"),
    ],
)
def test_bad_input_exits_2(args, message):
    r = run(*args)
    assert r.returncode == 2
    assert r.stderr.startswith("Error: ") and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_ctrl_c_stops_cleanly_with_status_130():
    p = subprocess.Popen(
        [sys.executable, "-m", "backspasm", "timer", "heat", "--minutes", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # wait until the timer has started (its first line is out), then interrupt
    assert p.stdout is not None
    p.stdout.readline()
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == EXIT_INTERRUPTED
    assert "Timer stopped." in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "Time is up" not in out


# --- pause, resume and stop keys; stopping early asks whether to log ------------------------

class Keys:
    """A scripted keyboard for :func:`run_stages`: ``script`` maps the clock time at which a
    key is pressed to the key; waiting advances the test clock by the timeout."""

    def __init__(self, clock: Clock, script: dict[float, str]) -> None:
        self.clock = clock
        self.script = dict(script)

    def __call__(self, timeout: float) -> str | None:
        due = [t for t in self.script if t <= self.clock.t + timeout]
        if due:
            t = min(due)
            self.clock.t = max(self.clock.t, t)
            return self.script.pop(t)
        self.clock.t += timeout
        return None


def test_a_pause_holds_the_deadline_and_resume_carries_on():
    clock = Clock(start=0.0)
    ticks: list[tuple[float, float]] = []
    pauses: list[bool] = []
    stages = [TimerStage("on", 60, "on")]
    # pause at 10 s, resume at 100 s: 90 s paused, so the 60 s timer ends at 150 s
    total = run_stages(stages, clock=clock, keys=Keys(clock, {10.0: "p", 100.0: " "}),
                       on_tick=lambda i, done, length: ticks.append((clock.t, done)),
                       on_pause=pauses.append, tick=5.0)
    assert total == 60
    assert pauses == [True, False]
    assert clock.t == pytest.approx(150)
    assert all(done <= 10 for t, done in ticks if t <= 100)  # nothing ran while paused
    assert ticks[-1][1] == 60


def test_q_stops_the_timer():
    clock = Clock(start=0.0)
    with pytest.raises(timer_mod.TimerStopped):
        run_stages(STAGES, clock=clock, keys=Keys(clock, {20.0: "q"}), tick=5.0)
    assert clock.t == pytest.approx(20)


def _pty_timer(tmp_path, *args: str):
    """The real command in a pseudo-terminal (so it reads keys): (process, master fd)."""
    import os
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "BACKSPASM_DATABASE_URL": f"sqlite:///{tmp_path / 'diary.db'}",
           "COLUMNS": "100", "TERM": "xterm"}
    p = subprocess.Popen([sys.executable, "-m", "backspasm", "timer", *args],
                         stdin=slave, stdout=slave, stderr=slave, env=env,
                         start_new_session=True)
    os.close(slave)
    return p, master


class Screen:
    """What the command wrote to the pseudo-terminal so far."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.text = ""

    def until(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        import os
        import select

        deadline = time.monotonic() + timeout
        while (m := re.search(pattern, self.text)) is None:
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} not seen in:\n{self.text}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{pattern!r} not seen before the end:\n{self.text}")
                self.text += re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "",
                                    chunk.decode("utf-8", "replace"))
        return m


def _care(tmp_path):
    from backspasm.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'diary.db'}") as store:
        profile = store.profile_by_key("local")
        return [] if profile is None else store.care_entries(profile.id)


def test_keys_pause_resume_and_stop_then_the_minutes_done_are_logged(tmp_path):
    import os

    # 20 minutes of heat at 60x: a planned minute is a second.
    p, fd = _pty_timer(tmp_path, "heat", "--scale", "60")
    screen = Screen(fd)
    try:
        screen.until(r"Press p or space to pause, q to stop\.")
        screen.until(r"(18:[0-4]\d|1[0-7]:\d\d) left")  # more than a minute has run
        os.write(fd, b"p")
        paused = screen.until(r"Paused with (\d\d:\d\d) left").group(1)
        time.sleep(2.0)  # 2 planned minutes, were it running
        os.write(fd, b" ")
        resumed = screen.until(r"Carrying on: (\d\d:\d\d) left").group(1)
        assert resumed == paused  # the time paused did not count
        os.write(fd, b"q")
        screen.until(r"Timer stopped\.")
        asked = screen.until(r"Log (\d+) minutes? of heat in your diary\? \[y/N\]")
        minutes = int(asked.group(1))
        os.write(fd, b"y\n")
        screen.until(r"Heat for \d+ minutes? is in your diary\.")
        assert p.wait(timeout=30) == 0
    finally:
        p.kill()
        os.close(fd)
    (entry,) = _care(tmp_path)
    assert entry.kind == "heat" and entry.minutes == minutes and 1 <= minutes < 20


def test_ctrl_c_in_a_terminal_asks_and_no_logs_nothing(tmp_path):
    import os

    p, fd = _pty_timer(tmp_path, "ice", "--scale", "60")
    screen = Screen(fd)
    try:
        screen.until(r"(18:[0-4]\d|1[0-7]:\d\d) left")
        p.send_signal(signal.SIGINT)  # Ctrl-C
        screen.until(r"Log \d+ minutes? of ice in your diary\? \[y/N\]")
        os.write(fd, b"n\n")
        screen.until(r"Nothing was saved\.")
        assert p.wait(timeout=30) == EXIT_INTERRUPTED
    finally:
        p.kill()
        os.close(fd)
    assert "Traceback" not in screen.text
    assert _care(tmp_path) == []


def test_help_names_the_keys():
    result = CliRunner().invoke(app, ["timer", "--help"], env={"COLUMNS": "200"})
    assert "p or space pauses and resumes" in result.output
    assert "q stops" in result.output
