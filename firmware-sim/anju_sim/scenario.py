"""Scenarios: YAML files of timed device actions, the edge configuration they need, and the
alerts they must produce — so an end-to-end test can check exactly those and nothing else."""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import paho.mqtt.client as mqtt
import yaml
from paho.mqtt.enums import MQTTProtocolVersion
from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import AlertKind, Direction, GateEventType, GateResult
from anju_contracts.common import Ident
from anju_sim.devices import SimCamera, SimDevice, SimGate, run_token
from anju_sim.http_camera import HttpSnapshotCamera
from anju_sim.plates import random_plate
from anju_sim.rtsp import RtspCamera

logger = logging.getLogger(__name__)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GateStep(Strict):
    at: float = Field(ge=0, description="Seconds after the start, in scenario time.")
    gate: Ident
    event: dict[str, Any] = Field(description="GateEvent fields except v, seq and ts.")


class CameraStep(Strict):
    at: float = Field(ge=0)
    camera: Ident
    image: Annotated[str, Field(pattern=r"^[a-z0-9_.-]+\.jpg$")] = Field(
        description="A picture in anju_sim/media/."
    )
    repeat: int = Field(default=1, ge=1, le=100)
    every: float = Field(default=1.0, gt=0, description="Seconds between repeats.")


class CrashStep(Strict):
    at: float = Field(ge=0)
    crash: Ident = Field(description="Device that loses power: no goodbye, the last will fires.")


Step = GateStep | CameraStep | CrashStep


class Routine(Strict):
    """Ordinary comings and goings, generated from the seed (no alert expected from them)."""

    events: int = Field(ge=1, le=100_000)
    day_seconds: float = Field(default=86_400, gt=0)


class ExpectedAlert(Strict):
    kind: AlertKind
    source_id: Ident
    count: int = Field(default=1, ge=1)


class Scenario(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    title: str = Field(description="One line, Chinese first.")
    description: str = ""
    gates: list[Ident] = Field(default_factory=list)
    cameras: list[Ident] = Field(default_factory=list)
    source: Literal["mqtt", "rtsp", "http_snapshot"] = Field(
        default="mqtt",
        description="How the cameras deliver: MQTT snapshots, an RTSP stream or HTTP snapshots.",
    )
    edge: dict[str, Any] = Field(
        default_factory=dict, description="Edge config keys this scenario needs (gates, cameras)."
    )
    watchlist: list[dict[str, Any]] = Field(
        default_factory=list, description="Entries to list at the gateway before playing."
    )
    local_time: Annotated[str, Field(pattern=r"^\d\d:\d\d$")] | None = Field(
        default=None, description="The edge's local clock for camera schedules (HH:MM)."
    )
    clock_skew_s: dict[Ident, Annotated[float, Field(ge=-86_400, le=86_400)]] = Field(
        default_factory=dict, description="Devices whose clock is off, by seconds (-: slow)."
    )
    routine: Routine | None = None
    steps: list[Step] = Field(default_factory=list)
    expect: list[ExpectedAlert] = Field(default_factory=list)

    @property
    def duration(self) -> float:
        ends = [
            s.at + (s.repeat - 1) * s.every if isinstance(s, CameraStep) else s.at
            for s in self.steps
        ]
        if self.routine:
            ends.append(self.routine.day_seconds)
        return max(ends, default=0.0)


def scenario_dir() -> Path:
    return Path(str(resources.files("anju_sim").joinpath("scenarios")))


def media(name: str) -> bytes:
    return resources.files("anju_sim").joinpath("media", name).read_bytes()


def list_scenarios() -> list[Scenario]:
    return [load_scenario(p) for p in sorted(scenario_dir().glob("*.yaml"))]


def load_scenario(name_or_path: str | Path) -> Scenario:
    path = Path(name_or_path)
    if not path.suffix:
        path = scenario_dir() / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(p.stem for p in sorted(scenario_dir().glob("*.yaml")))
        raise FileNotFoundError(f"no scenario {name_or_path!r}; known: {known}")
    return Scenario.model_validate(yaml.safe_load(path.read_text("utf-8")))


@dataclass(frozen=True, slots=True)
class Action:
    at: float
    run: Any  # a callable doing one device action
    label: str


ROUTINE_TYPES = (
    GateEventType.card_swipe,
    GateEventType.face_access,
    GateEventType.plate_read,
    GateEventType.exit_button,
    GateEventType.intercom_call,
)


class ScenarioRunner:
    """Each device is its own MQTT client; `play` runs the timeline, compressed by `speed`."""

    def __init__(
        self,
        scenario: Scenario,
        host: str,
        port: int,
        compound_id: str,
        speed: float = 1.0,
        seed: int = 1,
        mqtt5: bool = True,
    ) -> None:
        self.scenario = scenario
        self.speed = speed
        self.rng = random.Random(seed)
        # One token for the run's client ids: two runs never share an id (see devices.py).
        self.run_id = run_token()
        # The embedded fallback broker speaks MQTT 3.1.1 only.
        proto = mqtt.MQTTv5 if mqtt5 else mqtt.MQTTv311
        self.gates = {
            g: SimGate(
                host, port, compound_id, g, scenario.clock_skew_s.get(g, 0.0), proto, self.run_id
            )
            for g in scenario.gates
        }
        self.cameras: dict[str, SimCamera | RtspCamera | HttpSnapshotCamera] = {
            c: self._camera(c, host, port, compound_id, proto) for c in scenario.cameras
        }
        self.devices: dict[str, SimDevice | RtspCamera | HttpSnapshotCamera] = {
            **self.gates,
            **self.cameras,
        }
        self.crashed: set[str] = set()
        self.sent = 0

    def _camera(
        self, cam: str, host: str, port: int, compound_id: str, proto: MQTTProtocolVersion
    ) -> SimCamera | RtspCamera | HttpSnapshotCamera:
        if self.scenario.source == "mqtt":
            skew = self.scenario.clock_skew_s.get(cam, 0.0)
            return SimCamera(host, port, compound_id, cam, skew, proto, self.run_id)
        # A pulled camera shows a picture from the start: the scenario's first one for it.
        first = next(
            (s.image for s in self.scenario.steps if isinstance(s, CameraStep) and s.camera == cam),
            "plaza-empty.jpg",
        )
        if self.scenario.source == "rtsp":
            return RtspCamera(cam, media(first))
        return HttpSnapshotCamera(cam, media(first), auth="digest", password=f"sim-{cam}")

    def camera_sources(self, fps: float = 2.0) -> dict[str, dict[str, Any]]:
        """Edge ``source`` settings of the pulled cameras (RTSP, HTTP), by camera id."""
        out: dict[str, dict[str, Any]] = {}
        for cam_id, cam in self.cameras.items():
            if isinstance(cam, RtspCamera):
                out[cam_id] = cam.source_config(fps=fps)
            elif isinstance(cam, HttpSnapshotCamera):
                out[cam_id] = cam.source_config(interval_s=1.0 / fps)
        return out

    def start_devices(self) -> None:
        for device in self.devices.values():
            device.start()

    def stop_devices(self) -> None:
        for name, device in self.devices.items():
            if isinstance(device, RtspCamera | HttpSnapshotCamera):
                device.close()  # also removes its picture and secrets files
            elif name not in self.crashed:
                device.stop()

    def timeline(self) -> list[Action]:
        actions: list[Action] = []
        for step in self.scenario.steps:
            if isinstance(step, GateStep):
                actions.append(
                    Action(
                        step.at,
                        self._gate_action(step.gate, step.event),
                        f"{step.gate}: {step.event.get('type')}",
                    )
                )
            elif isinstance(step, CameraStep):
                jpeg = media(step.image)
                cam = self.cameras[step.camera]
                for i in range(step.repeat):
                    actions.append(
                        Action(
                            step.at + i * step.every,
                            lambda c=cam, j=jpeg: c.snapshot(j),
                            f"{step.camera}: {step.image}",
                        )
                    )
            else:
                actions.append(
                    Action(
                        step.at, lambda n=step.crash: self._crash(n), f"{step.crash}: power lost"
                    )
                )
        if self.scenario.routine is not None:
            actions.extend(self._routine(self.scenario.routine))
        return sorted(actions, key=lambda a: a.at)

    def _gate_action(self, gate: str, fields: dict[str, Any]):  # type: ignore[no-untyped-def]
        fields = dict(fields)
        kind = GateEventType(fields.pop("type"))
        return lambda: self.gates[gate].emit(kind, **fields)

    def _crash(self, name: str) -> None:
        self.crashed.add(name)
        self.devices[name].crash()

    def _routine(self, routine: Routine) -> list[Action]:
        gates = sorted(self.gates)
        actions = []
        for _ in range(routine.events):
            at = self.rng.uniform(0, routine.day_seconds)
            gate = self.rng.choice(gates)
            kind = self.rng.choice(ROUTINE_TYPES)
            fields: dict[str, Any] = {
                "direction": self.rng.choice([Direction.in_, Direction.out]),
                "result": GateResult.granted,
            }
            if kind in (GateEventType.card_swipe, GateEventType.face_access):
                fields["credential"] = f"C-{self.rng.randint(10000, 99999)}"
            elif kind is GateEventType.plate_read:
                fields["plate"] = random_plate(self.rng)
                fields["plate_confidence"] = round(self.rng.uniform(0.8, 0.99), 2)
            elif kind is GateEventType.intercom_call:
                fields.pop("result")
            actions.append(
                Action(
                    at,
                    self._gate_action(gate, {"type": kind.value, **fields}),
                    f"{gate}: {kind.value}",
                )
            )
        return actions

    def play(self, stop: threading.Event | None = None) -> int:
        """Run the timeline; returns the number of actions done."""
        stop = stop or threading.Event()
        t0 = time.monotonic()
        for action in self.timeline():
            delay = t0 + action.at / self.speed - time.monotonic()
            if delay > 0 and stop.wait(delay):
                break
            action.run()
            self.sent += 1
            logger.info("%s", action.label)
        return self.sent
