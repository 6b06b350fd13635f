"""The demo's cameras: the camera scenarios of the simulator, played as one.

`anju demo` shows the main feature, detection on the box: the edge gets the cameras of the
night-intrusion, crowd, fire-lane and e-bike scenarios (东侧围墙, 广场 with its fire lane,
2号楼电梯厅), with their zones and rules, and the simulator plays those scenarios one after
another, at the start and again every few minutes. A camera that two scenarios share (the
plaza) is one camera with the zones and rules of both. Armed hours are moved to the current
time (`anju_sim.edgeconfig.live_fragment`), so the night intrusion fires at any hour.
"""

from __future__ import annotations

from typing import Any

from anju_contracts import AlertKind
from anju_sim.edgeconfig import live_fragment
from anju_sim.scenario import CameraStep, ExpectedAlert, Scenario, load_scenario

SCENARIOS = ("night-intrusion", "crowd", "fire-lane", "ebike-lobby")
GAP_S = 2.0  # between two scenarios in one round
CYCLE_S = 300.0  # a round of camera scenarios this often (rule cooldowns are 300 s)
CAMERA_KINDS = frozenset(
    {AlertKind.intrusion, AlertKind.crowd, AlertKind.fire_lane, AlertKind.ebike_indoor}
)


def camera_configs(scenarios: tuple[str, ...] = SCENARIOS) -> list[dict[str, Any]]:
    """The edge's ``cameras`` list: every camera of the scenarios, zones and rules merged."""
    merged: dict[str, dict[str, Any]] = {}
    for name in scenarios:
        for cam in live_fragment(load_scenario(name)).get("cameras", []):
            into = merged.setdefault(cam["id"], {"id": cam["id"], "name": cam.get("name", "")})
            into.setdefault("zones", []).extend(cam.get("zones", []))
            into.setdefault("rules", []).extend(cam.get("rules", []))
    return list(merged.values())


def camera_round(scenarios: tuple[str, ...] = SCENARIOS) -> Scenario:
    """One scenario playing the camera steps of all of them, one after another."""
    steps: list[CameraStep] = []
    cameras: list[str] = []
    expect: list[ExpectedAlert] = []
    offset = 0.0
    for name in scenarios:
        scenario = load_scenario(name)
        for step in scenario.steps:
            if isinstance(step, CameraStep):
                steps.append(step.model_copy(update={"at": step.at + offset}))
        cameras.extend(c for c in scenario.cameras if c not in cameras)
        expect.extend(scenario.expect)
        offset += scenario.duration + GAP_S
    return Scenario(
        name="demo-cameras",
        title="演示摄像头 / The demo's cameras",
        cameras=cameras,
        steps=list(steps),
        expect=expect,
    )
