"""Heartbeats to the gateway: how the box and its devices are, every `gateway.heartbeat_s`."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from anju_common import __version__
from anju_common.ratelog import RateLimitedLog
from anju_contracts import Heartbeat, utcnow
from anju_edge.config import EdgeConfig
from anju_edge.delivery.outbox import Outbox
from anju_edge.delivery.uplink import read_token
from anju_edge.devices import DeviceRegistry

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

THERMAL = Path("/sys/class/thermal/thermal_zone0/temp")


def cpu_temp_c() -> float | None:
    """The SoC temperature where the kernel exposes it (Raspberry Pi does), else None."""
    try:
        return round(int(THERMAL.read_text().strip()) / 1000.0, 1)
    except (OSError, ValueError):
        return None


class HeartbeatSender:
    def __init__(
        self,
        config: EdgeConfig,
        outbox: Outbox,
        devices: DeviceRegistry,
        detector_fps: Callable[[], float],
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.devices = devices
        self.detector_fps = detector_fps
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0

    def build(self) -> Heartbeat:
        age = self.outbox.oldest_age_s()
        return Heartbeat(
            compound_id=self.config.compound_id,
            ts=utcnow(),
            uptime_s=round(time.monotonic() - self.started, 1),
            software_version=__version__,
            queue_depth=self.outbox.depth(),
            oldest_unsent_age_s=round(age, 1) if age is not None else None,
            shed_total=self.outbox.shed_total(),
            devices=self.devices.health(),
            detector_fps=round(self.detector_fps(), 2),
            disk_free_bytes=shutil.disk_usage(self.config.data_dir).free,
            cpu_temp_c=cpu_temp_c(),
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.gateway.timeout_s + 2)

    def send_once(self, client: httpx.Client) -> bool:
        token = read_token(self.config.token_path())
        if token is None:
            _ratelog.warning("hb-token", "no device token yet: heartbeats wait for enrolment")
            return False
        try:
            resp = client.post(
                "/api/v1/edge/heartbeat",
                content=self.build().model_dump_json(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
        except httpx.HTTPError as exc:
            _ratelog.warning("hb-net", "heartbeat not delivered: %s", type(exc).__name__)
            return False
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

    def _run(self) -> None:
        link = self.config.gateway
        with httpx.Client(base_url=link.url, timeout=link.timeout_s) as client:
            while not self._stop.is_set():
                try:
                    self.send_once(client)
                except Exception:
                    logger.exception("heartbeat failed")
                self._stop.wait(link.heartbeat_s)
