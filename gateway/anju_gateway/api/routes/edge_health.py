"""Heartbeats from edge boxes, and the board of boxes for officers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from anju_contracts import Heartbeat, Strict
from anju_gateway.api.deps import ClockDep, CurrentEdge, DbDep, HubDep, SettingsDep, UserScope
from anju_gateway.edges.supervision import receive_heartbeat
from anju_gateway.metrics import REJECTED
from anju_gateway.store.heartbeats import list_health

router = APIRouter(prefix="/api/v1", tags=["edge health"])


class EdgeView(Strict):
    id: str
    compound_id: str
    hostname: str
    enrolled_at: str
    online: bool
    last_heartbeat_at: str | None
    queue_depth: int | None
    oldest_unsent_age_s: float | None
    shed_total: int | None
    dead_letters_total: int | None
    detector_fps: float | None
    disk_free_bytes: int | None
    cpu_temp_c: float | None
    software_version: str | None
    offline_alert_id: str | None
    devices: list[dict[str, Any]]


@router.post("/edge/heartbeat", status_code=status.HTTP_204_NO_CONTENT)
def heartbeat(
    body: Heartbeat,
    edge: CurrentEdge,
    db: DbDep,
    hub: HubDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    if body.compound_id != edge.compound_id:
        REJECTED.labels(reason="foreign_compound").inc()
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"this box belongs to compound {edge.compound_id!r}"
        )
    receive_heartbeat(db, hub, edge, body, clock.now(), settings)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/edges", response_model=list[EdgeView])
def edges(db: DbDep, scope: UserScope) -> list[EdgeView]:
    """Every enrolled box the caller may see: online state, last beat, backlog, devices."""
    if not scope.sees_alerts:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="your role sees no edge boxes")
    out = []
    for h in list_health(db.conn(), compound_ids=scope.compound_ids):
        beat = h.heartbeat
        out.append(
            EdgeView(
                id=h.edge_id,
                compound_id=h.compound_id,
                hostname=h.hostname,
                enrolled_at=h.enrolled_at,
                online=h.online,
                last_heartbeat_at=h.received_at,
                queue_depth=beat.get("queue_depth"),
                oldest_unsent_age_s=beat.get("oldest_unsent_age_s"),
                shed_total=beat.get("shed_total"),
                dead_letters_total=beat.get("dead_letters_total"),
                detector_fps=beat.get("detector_fps"),
                disk_free_bytes=beat.get("disk_free_bytes"),
                cpu_temp_c=beat.get("cpu_temp_c"),
                software_version=beat.get("software_version"),
                offline_alert_id=h.offline_alert_id,
                devices=beat.get("devices", []),
            )
        )
    return out
