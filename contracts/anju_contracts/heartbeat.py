"""Heartbeat from an edge box to the gateway every 30 s."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from anju_contracts.common import Ident, UtcTime, Versioned, WireModel
from anju_contracts.gbcode import GbCode
from anju_contracts.status import DeviceState

# What an installer called a compound, gate, camera or zone (edge config `name`); empty: none.
DisplayName = Annotated[str, StringConstraints(max_length=64)]


class DeviceHealth(WireModel):
    kind: str = Field(pattern=r"^(gate|camera)$")
    id: Ident
    state: DeviceState
    last_seen: UtcTime | None = None
    name: DisplayName = Field(default="", description="Display name, e.g. 北门; empty: none.")
    zones: dict[Ident, DisplayName] = Field(
        default_factory=dict,
        max_length=64,
        description="A camera's zones: zone id -> display name, e.g. east-fence -> 东墙内侧.",
    )
    gb_code: GbCode | None = Field(
        default=None, description="The device's 20-digit code from the edge config; sent with "
        "the names, and only by a box whose config codes some device.",
    )  # fmt: skip


class Heartbeat(Versioned):
    compound_id: Ident
    compound_name: DisplayName = Field(
        default="", description="The compound's display name from the box's config."
    )
    compound_gb_code: GbCode | None = Field(
        default=None, description="The compound's 20-digit code (edge config `gb_code`); sent "
        "with the names by a box whose config codes some device.",
    )  # fmt: skip
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
    storage_failing: bool = Field(
        default=False,
        description="The box cannot write to its disk (full or failing): gate events wait and "
        "are retried, nothing is dropped, but nothing new is raised until it can write again.",
    )
    disk_free_bytes: int | None = Field(default=None, ge=0)
    cpu_temp_c: float | None = None
