"""`anju sim run` plays a scenario against a real broker; an unreachable broker is a clear error;
the broker is never silently the system one: `--broker`, or the running demo's state file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from anju.cli import app
from anju.netutil import free_port
from anju_sim.demostate import STATE_FILE, DemoState, read_demo_state, write_demo_state

DAY = ["sim", "run", "--scenario", "normal-day", "--speed", "43200", "--seed", "3"]


def test_run_plays_a_day_fast(broker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = [*DAY, "--no-check", "--broker", broker.url, "--compound", "c9"]
    result = CliRunner().invoke(app, [*args, "--demo-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "played normal-day: 60 action(s); expected alerts: none" in result.output
    assert "check" not in result.output  # --no-check: nothing waited for, nothing checked


def test_run_against_no_broker_fails_cleanly() -> None:
    url = f"mqtt://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["sim", "run", "--scenario", "door-forced", "--broker", url])
    assert result.exit_code == 3
    assert "cannot reach the broker" in result.output


def test_unknown_scenario_lists_the_known_ones() -> None:
    result = CliRunner().invoke(app, ["sim", "run", "--scenario", "nope"])
    assert result.exit_code == 2 and "door-forced" in result.output


def test_the_broker_is_required_when_no_demo_runs(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*DAY, "--demo-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "no broker given and no demo running: pass --broker" in result.output
    assert "cannot reach" not in result.output  # it did not try 127.0.0.1:1883 either


def test_load_too_needs_a_broker_or_a_demo(tmp_path: Path) -> None:
    args = ["sim", "load", "--duration", "1", "--demo-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "no broker given and no demo running" in result.output


def demo_state(pid: int, port: int) -> DemoState:
    return DemoState(
        pid=pid,
        broker_host="127.0.0.1",
        broker_port=port,
        mqtt5=True,
        compound_id="c7",
        gateway_url="http://127.0.0.1:1",
    )


def test_a_running_demo_lends_its_broker_and_compound(broker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_demo_state(tmp_path, demo_state(os.getpid(), broker.port))  # this process: alive
    result = CliRunner().invoke(app, [*DAY, "--no-check", "--demo-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"using the running demo's broker {broker.url} (pid {os.getpid()})" in result.output
    assert "played normal-day: 60 action(s)" in result.output


def test_a_dead_demos_state_file_is_ignored(broker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    write_demo_state(tmp_path, demo_state(int(gone.stdout), broker.port))
    assert (tmp_path / STATE_FILE).exists()
    assert read_demo_state(tmp_path) is None
    result = CliRunner().invoke(app, [*DAY, "--no-check", "--demo-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "no demo running" in result.output
