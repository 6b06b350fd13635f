"""Heartbeats from edge boxes, and the board of boxes for officers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import Field

from anju_contracts import Heartbeat, Strict
from anju_gateway.api.deps import ClockDep, CurrentEdge, DbDep, HubDep, SettingsDep, UserScope
from anju_gateway.edges.supervision import receive_heartbeat
from anju_gateway.metrics import REJECTED
from anju_gateway.store.heartbeats import EdgeHealth, list_health
from anju_gateway.store.names import CompoundNames, names_of

router = APIRouter(prefix="/api/v1", tags=["edge health"])


class EdgeView(Strict):
    id: str
    compound_id: str
    compound_name: str | None = Field(description="The compound's name, or null.")
    number: int = Field(
        description="The box's place among its compound's boxes by enrolment, from 1 (边缘盒 1)."
    )
    hostname: str
    enrolled_at: str
    online: bool
    last_heartbeat_at: str | None
    queue_depth: int | None
    oldest_unsent_age_s: float | None
    shed_total: int | None
    dead_letters_total: int | None
    storage_failing: bool = Field(
        description="The box's last heartbeat said it cannot write to its disk."
    )
    detector_fps: float | None
    disk_free_bytes: int | None
    cpu_temp_c: float | None
    software_version: str | None
    offline_alert_id: str | None
    devices: list[dict[str, Any]]


def box_numbers(boxes: list[EdgeHealth]) -> dict[str, int]:
    """Edge id -> its number within its compound, in enrolment order: boxes are named
    安居示范小区 · 边缘盒 2, never by hostname (two boxes called "vm" are told apart)."""
    seen: dict[str, int] = {}
    numbers = {}
    for h in sorted(boxes, key=lambda h: (h.enrolled_at, h.edge_id)):
        seen[h.compound_id] = seen.get(h.compound_id, 0) + 1
        numbers[h.edge_id] = seen[h.compound_id]
    return numbers


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


def named_devices(
    devices: list[dict[str, Any]], known: CompoundNames | None
) -> list[dict[str, Any]]:
    """The devices of the last beat with the names kept for them: names ride on the first beat
    and then hourly, so the beat in between says none (a gate that came online later included)."""
    if known is None:
        return devices
    out = []
    for device in devices:
        kind, source_id = device.get("kind", ""), device.get("id", "")
        zones = {z: n for (s, z), n in known.zones.items() if s == source_id}
        out.append(
            {
                **device,
                "name": known.source(kind, source_id) or device.get("name", ""),
                "zones": {**zones, **device.get("zones", {})} if kind == "camera" else {},
            }
        )
    return out


@router.get("/edges", response_model=list[EdgeView])
def edges(db: DbDep, scope: UserScope) -> list[EdgeView]:
    """Every enrolled box the caller may see: online state, last beat, backlog, devices."""
    if not scope.sees_alerts:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="your role sees no edge boxes")
    boxes = list_health(db.conn(), compound_ids=scope.compound_ids)
    names = names_of(db.conn(), (h.compound_id for h in boxes))
    numbers = box_numbers(boxes)
    out = []
    for h in boxes:
        beat = h.heartbeat
        out.append(
            EdgeView(
                id=h.edge_id,
                compound_id=h.compound_id,
                compound_name=names[h.compound_id].compound if h.compound_id in names else None,
                number=numbers[h.edge_id],
                hostname=h.hostname,
                enrolled_at=h.enrolled_at,
                online=h.online,
                last_heartbeat_at=h.received_at,
                queue_depth=beat.get("queue_depth"),
                oldest_unsent_age_s=beat.get("oldest_unsent_age_s"),
                shed_total=beat.get("shed_total"),
                dead_letters_total=beat.get("dead_letters_total"),
                storage_failing=bool(beat.get("storage_failing", False)),
                detector_fps=beat.get("detector_fps"),
                disk_free_bytes=beat.get("disk_free_bytes"),
                cpu_temp_c=beat.get("cpu_temp_c"),
                software_version=beat.get("software_version"),
                offline_alert_id=h.offline_alert_id,
                devices=named_devices(beat.get("devices", []), names.get(h.compound_id)),
            )
        )
    return out
