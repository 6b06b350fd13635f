"""A scenario's edge fragment, moved to the current local time, arms (or disarms) its zones
exactly as it would at the scenario's own time of day; `anju sim edge-config` prints it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import yaml
from typer.testing import CliRunner

from anju.cli import app
from anju_edge.camera.schedule import armed
from anju_edge.config import parse_config
from anju_sim.edgeconfig import edge_fragment
from anju_sim.scenario import load_scenario

TZ = ZoneInfo("Asia/Shanghai")


def schedule_of(fragment: dict) -> list:  # type: ignore[type-arg]
    cfg = parse_config({"compound_id": "c1", "gateway": {"url": "http://gw"}, **fragment})
    return cfg.cameras[0].rules[0].schedule or []


def test_night_scenario_is_armed_whenever_it_is_played() -> None:
    night = load_scenario("night-intrusion")
    assert night.local_time == "23:30"
    for hh, mm in [(0, 0), (3, 15), (9, 41), (14, 0), (23, 59)]:
        now = datetime(2026, 11, 23, hh, mm, tzinfo=TZ)
        windows = schedule_of(edge_fragment(night, now))
        assert armed(windows, now), (hh, mm, windows)
        # Its window closes 6.5 h after the scenario's moment, as 06:00 does after 23:30.
        later = now.replace(hour=(hh + 7) % 24)
        assert not armed(windows, later), (hh, mm, windows)


def test_without_a_time_the_fragment_is_unchanged() -> None:
    night = load_scenario("night-intrusion")
    assert edge_fragment(night) == night.edge
    door = load_scenario("door-forced")
    assert edge_fragment(door, datetime.now(TZ)) == door.edge


def test_cli_prints_a_valid_fragment() -> None:
    result = CliRunner().invoke(app, ["sim", "edge-config", "--scenario", "night-intrusion"])
    assert result.exit_code == 0, result.output
    fragment = yaml.safe_load(result.output)
    windows = schedule_of(fragment)
    assert armed(windows, datetime.now(TZ))
