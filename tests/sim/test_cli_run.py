"""`anju sim run` plays a scenario against a real broker; an unreachable broker is a clear error."""

from __future__ import annotations

from typer.testing import CliRunner

from anju.cli import app
from anju.netutil import free_port


def test_run_plays_a_day_fast(broker) -> None:  # type: ignore[no-untyped-def]
    args = ["sim", "run", "--scenario", "normal-day", "--speed", "43200", "--seed", "3"]
    result = CliRunner().invoke(app, [*args, "--broker", broker.url, "--compound", "c9"])
    assert result.exit_code == 0, result.output
    assert "played normal-day: 60 action(s); expected alerts: none" in result.output


def test_run_against_no_broker_fails_cleanly() -> None:
    url = f"mqtt://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["sim", "run", "--scenario", "door-forced", "--broker", url])
    assert result.exit_code == 3
    assert "cannot reach the broker" in result.output


def test_unknown_scenario_lists_the_known_ones() -> None:
    result = CliRunner().invoke(app, ["sim", "run", "--scenario", "nope"])
    assert result.exit_code == 2 and "door-forced" in result.output
