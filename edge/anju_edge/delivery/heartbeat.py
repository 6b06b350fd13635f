"""Heartbeats to the gateway: how the box and its devices are, every `gateway.heartbeat_s`."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from anju_common import __version__
from anju_common.ratelog import RateLimitedLog
from anju_contracts import DeviceHealth, Heartbeat, utcnow
from anju_edge.config import EdgeConfig
from anju_edge.delivery.enrol import read_token
from anju_edge.delivery.link import GatewayWorker, Poster, bearer
from anju_edge.delivery.outbox import Outbox
from anju_edge.devices import DeviceRegistry

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

THERMAL = Path("/sys/class/thermal/thermal_zone0/temp")
# The names of the config ride on the first beat and then hourly, not on every 30 s beat: they
# change only with the config (and a restart), and the uplink's background bytes are budgeted.
NAMES_EVERY_S = 3600.0
# The name fields left out of a beat that carries no names: such a beat is byte for byte what
# boxes sent before names existed, so a gateway not yet upgraded still takes it.
WITHOUT_NAMES: dict[str, Any] = {
    "compound_name": True,
    "compound_gb_code": True,
    "devices": {"__all__": {"name", "zones", "gb_code"}},
}
# The device codes ride with the names, but only from a box whose config codes something: a
# box without codes sends what gateways before codes accept.
WITHOUT_CODES: dict[str, Any] = {"compound_gb_code": True, "devices": {"__all__": {"gb_code"}}}


def cpu_temp_c() -> float | None:
    """The SoC temperature where the kernel exposes it (Raspberry Pi does), else None."""
    try:
        return round(int(THERMAL.read_text().strip()) / 1000.0, 1)
    except (OSError, ValueError):
        return None


def named(config: EdgeConfig, devices: list[DeviceHealth]) -> list[DeviceHealth]:
    """The devices with the names the installer gave them (and a camera's zones) in the config,
    so the gateway's screens say 北门 · 东墙内侧 rather than ids."""
    gates = {g.id: g for g in config.gates}
    cameras = {c.id: c for c in config.cameras}
    out = []
    for device in devices:
        if device.kind == "gate" and device.id in gates:
            gate = gates[device.id]
            device = device.model_copy(update={"name": gate.name, "gb_code": gate.gb_code})
        elif device.kind == "camera" and device.id in cameras:
            camera = cameras[device.id]
            zones = {z.id: z.name for z in camera.zones if z.name}
            update = {"name": camera.name, "zones": zones, "gb_code": camera.gb_code}
            device = device.model_copy(update=update)
        out.append(device)
    return out


class HeartbeatSender(GatewayWorker):
    def __init__(
        self,
        config: EdgeConfig,
        outbox: Outbox,
        devices: DeviceRegistry,
        detector_fps: Callable[[], float],
        storage_failing: Callable[[], bool] = lambda: False,
    ) -> None:
        link = config.gateway
        super().__init__(
            "heartbeat",
            link,
            idle_s=link.heartbeat_s,
            join_timeout_s=link.timeout_s + 2,
            error_delay=lambda: link.heartbeat_s,
            bytes_kind="heartbeats",
        )
        self.config = config
        self.outbox = outbox
        self.devices = devices
        self.detector_fps = detector_fps
        self.storage_failing = storage_failing
        self.started = time.monotonic()
        self.sent = 0
        self.names_sent_at: float | None = None  # monotonic; None: not yet since the start
        # Called after each delivered heartbeat: proof the gateway is back, so the uplink
        # need not sit out its backoff.
        self.on_reachable: list[Callable[[], None]] = []

    def build(self) -> Heartbeat:
        age = self.outbox.oldest_age_s()
        return Heartbeat(
            compound_id=self.config.compound_id,
            compound_name=self.config.name,
            compound_gb_code=self.config.gb_code,
            ts=utcnow(),
            uptime_s=round(time.monotonic() - self.started, 1),
            software_version=__version__,
            queue_depth=self.outbox.depth(),
            oldest_unsent_age_s=round(age, 1) if age is not None else None,
            shed_total=self.outbox.shed_total(),
            dead_letters_total=self.outbox.dead_letters_total(),
            devices=named(self.config, self.devices.health()),
            detector_fps=round(self.detector_fps(), 2),
            disk_free_bytes=shutil.disk_usage(self.config.data_dir).free,
            cpu_temp_c=cpu_temp_c(),
            storage_failing=self.storage_failing(),
        )

    def send_once(self, client: Poster) -> bool:
        token = read_token(self.config.token_path())
        if token is None:
            _ratelog.warning("hb-token", "no device token yet: heartbeats wait for enrolment")
            return False
        now = time.monotonic()
        with_names = self.names_sent_at is None or now - self.names_sent_at >= NAMES_EVERY_S
        beat = self.build()
        exclude: dict[str, Any] = {} if with_names else dict(WITHOUT_NAMES)
        if with_names and not (self.config.gb_code or self.config.gb_codes()):
            exclude = dict(WITHOUT_CODES)
        if not beat.storage_failing:
            # Sent only when true: a healthy beat stays what gateways before the flag accept.
            exclude["storage_failing"] = True
        body = beat.model_dump_json(exclude=exclude)
        try:
            resp = client.post("/api/v1/edge/heartbeat", content=body, headers=bearer(token))
        except httpx.HTTPError as exc:
            _ratelog.warning("hb-net", "heartbeat not delivered: %s", type(exc).__name__)
            return False
        if with_names and resp.status_code in (204, 422):
            # 422: a gateway older than names refuses them; plain beats until the next hour.
            self.names_sent_at = now
        if resp.status_code != 204:
            _ratelog.warning(
                f"hb-{resp.status_code}",
                "gateway refused the heartbeat: %d %s",
                resp.status_code,
                resp.text[:200],
            )
            return False
        self.sent += 1
        return True

    def work(self, client: Poster) -> float:
        if self.send_once(client):
            for callback in self.on_reachable:
                callback()
        return self.config.gateway.heartbeat_s
