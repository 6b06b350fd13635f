"""Camera payloads. Snapshots are raw JPEG bytes; their metadata rides in MQTT 5 properties."""

from __future__ import annotations

from pydantic import Field

from anju_contracts.common import UtcTime, Versioned, WireModel


class SnapshotMeta(WireModel):
    """Optional MQTT 5 user properties ``ts`` and ``seq`` on a snapshot publish."""

    ts: UtcTime | None = None
    seq: int | None = Field(default=None, ge=0)


class MotionEvent(Versioned):
    """Optional JSON on ``anju/<compound>/camera/<camera>/motion``."""

    seq: int = Field(ge=0)
    ts: UtcTime
    active: bool
    score: float | None = Field(default=None, ge=0.0, le=1.0)
