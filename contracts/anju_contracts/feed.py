"""The officers' live feed (``GET /api/v1/live``, Server-Sent Events): one model per event.

Each SSE message is ``event: <name>`` and ``data: <JSON of the model>``. Every event except
``hello`` carries the compound it concerns, so a console filters nothing itself: the gateway
sends a user only the compounds in their scope. ``EVENT`` names the SSE event a model travels
as (``alert.updated`` has two shapes: a lifecycle step, or an offline box's alert cleared).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from anju_contracts.common import WireModel


class FeedHello(WireModel):
    """The first message of every stream: who the gateway thinks is listening."""

    EVENT: ClassVar[str] = "hello"

    user: str = Field(description="The logged-in username.")


class AlertSummary(WireModel):
    """``alert.new``: a new alert; the fields every other view of an alert starts with."""

    EVENT: ClassVar[str] = "alert.new"

    id: str = Field(description="The alert id (a ULID made on the edge, or by the gateway).")
    compound_id: str
    kind: str = Field(description="The rule, an AlertKind value.")
    severity: str = Field(description="A Severity value.")
    ts: str = Field(description="When it happened, UTC with milliseconds and Z.")
    source_id: str = Field(description="Camera, gate or edge id.")
    zone: str | None = Field(description="Camera zone, or null.")
    compound_name: str | None = Field(
        default=None, description="The compound's name (from its box's config), or null."
    )
    source_name: str | None = Field(
        default=None, description="The gate's or camera's name, e.g. 北门, or null."
    )
    zone_name: str | None = Field(default=None, description="The zone's name, or null.")


class AlertUpdated(WireModel):
    """``alert.updated`` after a lifecycle step (acknowledge, dispatch, resolve, note, ...)."""

    EVENT: ClassVar[str] = "alert.updated"

    compound_id: str
    id: str
    state: str = Field(description="The alert's state after the step.")
    action: str = Field(description="The lifecycle action taken.")
    actor: str = Field(description="Who took it (username, or compound:user from a gate).")
    at: str = Field(description="When, UTC.")


class AlertCleared(WireModel):
    """``alert.updated`` when a silent box beats again: its edge_offline alert is cleared."""

    EVENT: ClassVar[str] = "alert.updated"

    compound_id: str
    id: str
    cleared_at: str = Field(description="When the heartbeats returned, UTC.")


class AlertEscalated(WireModel):
    """``alert.escalated``: an SLA clock ran out; the supervisor's console highlights it."""

    EVENT: ClassVar[str] = "alert.escalated"

    compound_id: str
    id: str
    clock: Literal["ack", "close"]
    severity: str
    at: str = Field(description="When the breach was flagged, UTC.")


class EdgeStatus(WireModel):
    """``edge.status``: a box went silent (offline) or beats again (online)."""

    EVENT: ClassVar[str] = "edge.status"

    compound_id: str
    edge_id: str
    online: bool
    at: str = Field(description="When the gateway noticed, UTC.")


FeedEvent = AlertSummary | AlertUpdated | AlertCleared | AlertEscalated | EdgeStatus
