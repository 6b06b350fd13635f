"""Heartbeat from an edge box to the gateway every 30 s."""

from __future__ import annotations

from pydantic import Field

from anju_contracts.common import Ident, UtcTime, Versioned, WireModel
from anju_contracts.status import DeviceState


class DeviceHealth(WireModel):
    kind: str = Field(pattern=r"^(gate|camera)$")
    id: Ident
    state: DeviceState
    last_seen: UtcTime | None = None


class Heartbeat(Versioned):
    compound_id: Ident
    ts: UtcTime
    uptime_s: float = Field(ge=0)
    software_version: str = Field(max_length=32)
    queue_depth: int = Field(ge=0, description="Alerts waiting in the outbox.")
    oldest_unsent_age_s: float | None = Field(default=None, ge=0)
    shed_total: int = Field(default=0, ge=0, description="Alerts shed by the disk quota.")
    dead_letters_total: int = Field(
        default=0, ge=0, description="Messages set aside after failing processing, so far."
    )
    devices: list[DeviceHealth] = Field(default_factory=list, max_length=512)
    detector_fps: float = Field(default=0.0, ge=0)
    disk_free_bytes: int | None = Field(default=None, ge=0)
    cpu_temp_c: float | None = None
