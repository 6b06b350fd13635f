"""Availability of the compound's gates and cameras, from retained status and last wills.

The registry's state survives a restart (``state/store.py``): the service saves what changed
once a second and restores it at start, so an outage that continues across a restart of the
edge is not reported twice. A device that sends messages but never said ``online`` on its
status topic is reported once as ``never_seen`` (not as offline: it is plainly alive).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from anju_contracts import AlertKind, DeviceHealth, DeviceState, Severity, SourceKind, utcnow
from anju_contracts.common import format_ts
from anju_edge.alerts import AlertDraft
from anju_edge.config import EdgeConfig
from anju_edge.state.store import DeviceSnapshot

AVAILABLE = (DeviceState.online, DeviceState.stopped)  # states that raise no device_offline


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
    said_online: bool = False  # ever published `online` on its status topic
    first_heard: float | None = None  # monotonic time of its first message without a status
    never_seen_alerted: bool = False


class DeviceRegistry:
    """Thread-safe. A device that stays offline (or silent since start) past the grace period
    yields exactly one device_offline draft until it comes back."""

    def __init__(self, config: EdgeConfig) -> None:
        now = time.monotonic()
        self._grace = config.gate_rules.offline_grace_s
        self._lock = threading.Lock()
        self._devices: dict[tuple[str, str], DeviceRecord] = {}
        self._changed: set[tuple[str, str]] = set()
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
                self._changed.add((kind, device_id))
            if state is DeviceState.online:
                rec.last_seen = utcnow()
                if not rec.said_online:
                    rec.said_online = True
                    self._changed.add((kind, device_id))

    def seen(self, kind: str, device_id: str) -> None:
        """Any message from a device proves it is alive."""
        with self._lock:
            rec = self._devices.get((kind, device_id))
            if rec is not None:
                rec.last_seen = utcnow()
                if rec.first_heard is None:
                    rec.first_heard = time.monotonic()

    def offline_drafts(self, now: float | None = None) -> list[AlertDraft]:
        now = time.monotonic() if now is None else now
        drafts = []
        with self._lock:
            for key, rec in self._devices.items():
                if rec.state is None and rec.first_heard is not None:
                    # Alive, but it never said so: one never_seen, no device_offline.
                    if (
                        not rec.said_online
                        and not rec.never_seen_alerted
                        and now - rec.first_heard >= self._grace
                    ):
                        rec.never_seen_alerted = True
                        self._changed.add(key)
                        drafts.append(self._never_seen(rec))
                    continue
                # `stopped`: switched off cleanly (a simulator's run ended, a device taken out
                # of service on purpose) — not an outage. A crash leaves its last will `offline`.
                if rec.state in AVAILABLE or rec.alerted:
                    continue
                if now - rec.since < self._grace:
                    continue
                rec.alerted = True
                self._changed.add(key)
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

    @staticmethod
    def _never_seen(rec: DeviceRecord) -> AlertDraft:
        return AlertDraft(
            kind=AlertKind.never_seen,
            severity=Severity.low,
            source_kind=SourceKind.gate if rec.kind == "gate" else SourceKind.camera,
            source_id=rec.id,
            details={
                "device_kind": rec.kind,
                "last_seen": format_ts(rec.last_seen) if rec.last_seen else "",
            },
        )

    def changed(self) -> list[DeviceSnapshot]:
        """The records that changed since the last call, to be saved."""
        mono, wall = time.monotonic(), time.time()
        with self._lock:
            keys, self._changed = self._changed, set()
            return [
                DeviceSnapshot(
                    kind=rec.kind,
                    id=rec.id,
                    state=rec.state.value if rec.state else None,
                    since=wall - (mono - rec.since),
                    last_seen=format_ts(rec.last_seen) if rec.last_seen else None,
                    alerted=rec.alerted,
                    said_online=rec.said_online,
                    never_seen_alerted=rec.never_seen_alerted,
                )
                for rec in (self._devices[k] for k in keys)
            ]

    def restore(self, snapshots: list[DeviceSnapshot]) -> None:
        """Take back what a previous run saved (devices no longer configured are ignored)."""
        mono, wall = time.monotonic(), time.time()
        with self._lock:
            for snap in snapshots:
                rec = self._devices.get((snap.kind, snap.id))
                if rec is None:
                    continue
                rec.state = DeviceState(snap.state) if snap.state else None
                rec.since = mono - max(0.0, wall - snap.since)
                rec.last_seen = datetime.fromisoformat(snap.last_seen) if snap.last_seen else None
                rec.alerted = snap.alerted
                rec.said_online = snap.said_online
                rec.never_seen_alerted = snap.never_seen_alerted
                if rec.state is None and rec.last_seen is not None:
                    rec.first_heard = rec.since  # heard, without a status: alive, not offline

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
