"""The edge configuration a scenario needs, with camera schedules moved to the current time.

A scenario says at which local time of day it is meant to happen (``local_time``, e.g. 23:30 for
a night intrusion). Played by hand at 14:00, the real edge would (correctly) find the zone
disarmed. So, for a live run, every schedule window of the scenario is shifted by
``now - local_time``: the scenario's moment falls on the current local time while everything
relative to it (armed before, disarmed after) stays the same. A "day" scenario meant for 12:00
shifted the same way keeps the current time outside its windows.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from anju_sim.scenario import Scenario

DAY_MIN = 24 * 60


def _minutes(value: Any) -> int:
    # PyYAML 1.1 reads an unquoted 22:00 as the sexagesimal integer 1320 (= minutes).
    if isinstance(value, int):
        return value % DAY_MIN
    hh, mm = str(value).split(":")[:2]
    return (int(hh) * 60 + int(mm)) % DAY_MIN


def _hhmm(minutes: int) -> str:
    minutes %= DAY_MIN
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def edge_fragment(
    scenario: Scenario,
    local_now: datetime | None = None,
    sources: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The scenario's ``edge`` section; with ``local_now``, schedules moved to that time; with
    ``sources`` (`ScenarioRunner.camera_sources()`), each camera's RTSP or HTTP source."""
    fragment = copy.deepcopy(scenario.edge)
    for cam in fragment.get("cameras", []):
        if sources and cam["id"] in sources:
            cam["source"] = sources[cam["id"]]
    if scenario.local_time is None or local_now is None:
        return fragment
    shift = local_now.hour * 60 + local_now.minute - _minutes(scenario.local_time)
    for cam in fragment.get("cameras", []):
        for rule in cam.get("rules", []):
            for window in rule.get("schedule") or []:
                window["start"] = _hhmm(_minutes(window["start"]) + shift)
                window["end"] = _hhmm(_minutes(window["end"]) + shift)
                # Weekdays would no longer line up once the window moved across midnight.
                window.pop("days", None)
    return fragment


def live_fragment(scenario: Scenario, timezone: str = "Asia/Shanghai") -> dict[str, Any]:
    return edge_fragment(scenario, datetime.now(ZoneInfo(timezone)))
