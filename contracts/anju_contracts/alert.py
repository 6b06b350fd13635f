"""Alerts: raised on the edge, delivered to the gateway exactly once (id is the idempotency key)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from anju_contracts.common import Ident, UtcTime, Versioned, WireModel

# A ULID: 26 Crockford base32 characters, time-sortable and unique without coordination.
AlertId = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]

MAX_THUMBNAIL_BYTES = 60_000
MAX_BATCH = 100


class Severity(StrEnum):
    """Acknowledge within 1 / 3 / 5 minutes (critical / high / normal) by default."""

    critical = "critical"
    high = "high"
    normal = "normal"
    low = "low"


SEVERITY_RANK: dict[Severity, int] = {
    Severity.critical: 3,
    Severity.high: 2,
    Severity.normal: 1,
    Severity.low: 0,
}


class AlertKind(StrEnum):
    intrusion = "intrusion"
    loitering = "loitering"
    fire_lane = "fire_lane"
    ebike_indoor = "ebike_indoor"
    crowd = "crowd"
    watchlist = "watchlist"
    door_forced = "door_forced"
    door_held_open = "door_held_open"
    tamper = "tamper"
    device_offline = "device_offline"
    camera_frozen = "camera_frozen"
    edge_offline = "edge_offline"
    # A device whose clock is off by more than the box allows (its events are taken at the
    # box's time); raised once per device.
    clock_skew = "clock_skew"
    # A device that sends events but never said `online` on its status topic.
    never_seen = "never_seen"
    # Raised at the gateway when a box reports that it shed or dead-lettered data.
    data_loss = "data_loss"


class SourceKind(StrEnum):
    camera = "camera"
    gate = "gate"
    edge = "edge"


class DetectedObject(WireModel):
    label: Annotated[str, Field(min_length=1, max_length=32)]
    score: float = Field(ge=0.0, le=1.0)
    box: tuple[float, float, float, float] = Field(
        description="x1, y1, x2, y2 normalised to the snapshot's width and height (0..1)."
    )
    track_id: int | None = Field(default=None, ge=0)


DetailValue = str | int | float | bool


class Alert(Versioned):
    """An alert as the edge raised it, on ``anju/<compound>/edge/alerts`` and in the uplink."""

    id: AlertId
    compound_id: Ident
    source_kind: SourceKind
    source_id: Ident
    kind: AlertKind
    severity: Severity
    ts: UtcTime = Field(description="When the condition was detected.")
    zone: Ident | None = None
    objects: list[DetectedObject] = Field(default_factory=list, max_length=64)
    details: dict[Annotated[str, Field(max_length=32)], DetailValue] = Field(
        default_factory=dict, max_length=32
    )
    snapshot_jpeg_b64: (
        Annotated[str, Field(max_length=(MAX_THUMBNAIL_BYTES * 4) // 3 + 4)] | None
    ) = None


class AlertBatch(Versioned):
    alerts: list[Alert] = Field(min_length=1, max_length=MAX_BATCH)


class ReceiptStatus(StrEnum):
    stored = "stored"
    duplicate = "duplicate"


class AlertReceipt(WireModel):
    id: AlertId
    status: ReceiptStatus


class AlertBatchResult(Versioned):
    """The gateway's per-alert acknowledgement; the edge deletes exactly these ids."""

    receipts: list[AlertReceipt]
