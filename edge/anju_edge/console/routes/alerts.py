"""The box's recent alerts, their snapshots, and acknowledging or annotating one (a note may
follow the acknowledgement, as often as needed)."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import Field

from anju_contracts import WireModel
from anju_edge.console.context import Ctx
from anju_edge.console.session import User

router = APIRouter()


class NoteBody(WireModel):
    note: str = Field(default="", max_length=500)


@router.get("/api/alerts")
def alerts(u: User, ctx: Ctx) -> list[dict[str, Any]]:
    """The box's recent alerts, with the names of their gate or camera and zone (from the edge
    config) and every note."""
    names = {g.id: g.name for g in ctx.config.gates}
    zones: dict[tuple[str, str], str] = {}
    for camera in ctx.config.cameras:
        names[camera.id] = camera.name
        zones |= {(camera.id, z.id): z.name for z in camera.zones}
    staff = ctx.staff()

    def person(username: str | None) -> str | None:
        account = staff.get(username or "")
        return (account.display_name or account.username) if account else username

    rows = ctx.store.recent_alerts(100)
    notes = ctx.store.alert_notes([r["id"] for r in rows])
    return [
        {
            **r,
            "source_name": names.get(r["source_id"]) or "",
            "zone_name": zones.get((r["source_id"], r["zone"] or "")) or "",
            "acknowledged_by_name": person(r["acknowledged_by"]),
            "notes": [{**n, "by": person(n["username"])} for n in notes[r["id"]]],
        }
        for r in rows
    ]


@router.get("/api/alerts/{alert_id}/snapshot.jpg")
def snapshot(alert_id: str, u: User, ctx: Ctx) -> Response:
    picture = ctx.store.snapshot_b64(alert_id)
    if not picture:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="没有现场截图 / no snapshot")
    return Response(base64.b64decode(picture), media_type="image/jpeg")


@router.post("/api/alerts/{alert_id}/{action}")
def act(alert_id: str, action: str, body: NoteBody, u: User, ctx: Ctx) -> dict[str, Any]:
    if action not in ("acknowledge", "note"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="没有这个操作 / unknown action")
    if action == "note" and not body.note.strip():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="备注不能为空 / empty note"
        )
    if not ctx.store.has_alert(alert_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="没有这条告警 / no such alert")
    return ctx.desk.act_on_alert(alert_id, action, u["username"], body.note)
