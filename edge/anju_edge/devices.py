"""Availability of the compound's gates and cameras, from retained status and last wills."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from anju_contracts import AlertKind, DeviceHealth, DeviceState, Severity, SourceKind, utcnow
from anju_edge.alerts import AlertDraft
from anju_edge.config import EdgeConfig


@dataclass(slots=True)
class DeviceRecord:
    kind: str  # "gate" | "camera"
    id: str
    name: str
    offline_severity: Severity
    state: DeviceState | None = None  # None: never heard of since start
    since: float = 0.0  # monotonic time of the last state change
    last_seen: datetime | None = None
    alerted: bool = False


class DeviceRegistry:
    """Thread-safe. A device that stays offline (or silent since start) past the grace period
    yields exactly one device_offline draft until it comes back."""

    def __init__(self, config: EdgeConfig) -> None:
        now = time.monotonic()
        self._grace = config.gate_rules.offline_grace_s
        self._lock = threading.Lock()
        self._devices: dict[tuple[str, str], DeviceRecord] = {}
        for g in config.gates:
            self._devices[("gate", g.id)] = DeviceRecord(
                "gate", g.id, g.name, g.offline_severity, since=now
            )
        for c in config.cameras:
            self._devices[("camera", c.id)] = DeviceRecord(
                "camera", c.id, c.name, c.offline_severity, since=now
            )

    def known(self, kind: str, device_id: str) -> bool:
        return (kind, device_id) in self._devices

    def update(
        self, kind: str, device_id: str, state: DeviceState, since: float | None = None
    ) -> None:
        """``since``: when the state really began (a stream's last frame), if known."""
        with self._lock:
            rec = self._devices.get((kind, device_id))
            if rec is None:
                return
            if rec.state is not state:
                rec.state = state
                rec.since = time.monotonic() if since is None else since
                if state is DeviceState.online:
                    rec.alerted = False
            if state is DeviceState.online:
                rec.last_seen = utcnow()

    def seen(self, kind: str, device_id: str) -> None:
        """Any message from a device proves it is alive."""
        with self._lock:
            rec = self._devices.get((kind, device_id))
            if rec is not None:
                rec.last_seen = utcnow()

    def offline_drafts(self, now: float | None = None) -> list[AlertDraft]:
        now = time.monotonic() if now is None else now
        drafts = []
        with self._lock:
            for rec in self._devices.values():
                if rec.state is DeviceState.online or rec.alerted:
                    continue
                if now - rec.since < self._grace:
                    continue
                rec.alerted = True
                drafts.append(
                    AlertDraft(
                        kind=AlertKind.device_offline,
                        severity=rec.offline_severity,
                        source_kind=SourceKind.gate if rec.kind == "gate" else SourceKind.camera,
                        source_id=rec.id,
                        details={
                            "device_kind": rec.kind,
                            "state": rec.state.value if rec.state else "never_seen",
                            "offline_s": round(now - rec.since, 1),
                        },
                    )
                )
        return drafts

    def health(self) -> list[DeviceHealth]:
        with self._lock:
            return [
                DeviceHealth(
                    kind=r.kind,
                    id=r.id,
                    state=r.state or DeviceState.offline,
                    last_seen=r.last_seen,
                )
                for r in self._devices.values()
            ]
