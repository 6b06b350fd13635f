"""The box's recent alerts, their snapshots, and what the gate does to one, by who handles it
(docs/lifecycle.md, "Who handles which alert"): an alert routed to the property (or to both) is
the gate's to acknowledge (签收), work on (处理, a note) and close with a reason (关闭); on a
police alert the gate only reports it is on site (物业到场, a note for the officers)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import Field

from anju_contracts import AlertActionKind, Handler, RoutingPolicy, WireModel, format_ts
from anju_edge.console.context import Ctx
from anju_edge.console.session import User
from anju_edge.console.words import ARRIVED, RESOLUTIONS

router = APIRouter()


class NoteBody(WireModel):
    note: str = Field(default="", max_length=500)


class CloseBody(WireModel):
    resolution: Literal["handled", "false_alarm", "device_fault", "other"]
    note: str = Field(default="", max_length=400)


def _handler(row: dict[str, Any], routing: RoutingPolicy) -> Handler:
    # Alerts recorded before the box knew the routing: by today's policy.
    if row["handler"] in Handler.__members__:
        return Handler(row["handler"])
    return routing.handler_for(row["kind"], row["severity"])


def _state(row: dict[str, Any]) -> str:
    if row["closed_at"]:
        return "closed"
    return "acknowledged" if row["acknowledged_at"] else "new"


def _clocks(row: dict[str, Any], handler: Handler, routing: RoutingPolicy) -> dict[str, str | None]:
    """The property's deadlines as the box sees them: counted from when the box saw the alert
    (the gateway counts from its receipt, which is no earlier), with the precinct's minutes."""
    if handler is Handler.police or not row["seen_at"]:
        return {"ack_due_at": None, "close_due_at": None}
    seen = datetime.fromisoformat(row["seen_at"].replace("Z", "+00:00"))
    return {
        "ack_due_at": format_ts(seen + timedelta(minutes=routing.property_ack_minutes)),
        "close_due_at": format_ts(seen + timedelta(hours=routing.property_close_hours)),
    }


@router.get("/api/alerts")
def alerts(u: User, ctx: Ctx) -> list[dict[str, Any]]:
    """The box's recent alerts, with the names of their gate or camera and zone (from the edge
    config), who handles each, its state and clocks at the gate, and its history."""
    names = {g.id: g.name for g in ctx.config.gates}
    zones: dict[tuple[str, str], str] = {}
    for camera in ctx.config.cameras:
        names[camera.id] = camera.name
        zones |= {(camera.id, z.id): z.name for z in camera.zones}
    staff = ctx.staff()
    routing = ctx.routing()

    def person(username: str | None) -> str | None:
        account = staff.get(username or "")
        return (account.display_name or account.username) if account else username

    rows = ctx.store.recent_alerts(100)
    notes = ctx.store.alert_notes([r["id"] for r in rows])
    shown = []
    for r in rows:
        handler = _handler(r, routing)
        lines = [{**n, "by": person(n["username"])} for n in notes[r["id"]]]
        shown.append(
            {
                **r,
                "handler": handler.value,
                "state": _state(r),
                **_clocks(r, handler, routing),
                "source_name": names.get(r["source_id"]) or "",
                "zone_name": zones.get((r["source_id"], r["zone"] or "")) or "",
                "acknowledged_by_name": person(r["acknowledged_by"]),
                "closed_by_name": person(r["closed_by"]),
                "resolution_name": RESOLUTIONS.get(r["resolution"] or "", ""),
                "notes": lines,
                "pending_upload": any(n["pending"] for n in lines),
            }
        )
    return shown


@router.get("/api/alerts/{alert_id}/snapshot.jpg")
def snapshot(alert_id: str, u: User, ctx: Ctx) -> Response:
    picture = ctx.store.snapshot_b64(alert_id)
    if not picture:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="没有现场截图 / no snapshot")
    return Response(base64.b64decode(picture), media_type="image/jpeg")


def _alert(ctx: Ctx, alert_id: str) -> tuple[dict[str, Any], Handler]:
    row = ctx.store.alert(alert_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="没有这条告警 / no such alert")
    return row, _handler(row, ctx.routing())


def _conflict(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail=detail)


@router.post("/api/alerts/{alert_id}/close")
def close(alert_id: str, body: CloseBody, u: User, ctx: Ctx) -> dict[str, Any]:
    """关闭 (销号) a property alert with its reason; the police close their own."""
    row, handler = _alert(ctx, alert_id)
    if handler is Handler.police:
        raise _conflict("民警处置的告警，门岗不能关闭 / a police alert is closed by the police")
    if row["closed_at"]:
        raise _conflict("告警已关闭 / already closed")
    text = body.note.strip()
    if body.resolution == "other" and not text:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail="选“其他”时请写明关闭原因 / say why when the reason is other",
        )
    label = RESOLUTIONS[body.resolution]
    note = f"{label}：{text}" if text else label
    return ctx.desk.act_on_alert(
        alert_id, AlertActionKind.close, u["username"], note, resolution=body.resolution
    )


@router.post("/api/alerts/{alert_id}/arrive")
def arrive(alert_id: str, body: NoteBody, u: User, ctx: Ctx) -> dict[str, Any]:
    """物业到场: the guard is on site; a note for the officers, never a step of theirs."""
    _alert(ctx, alert_id)
    text = body.note.strip()
    note = f"{ARRIVED}：{text}" if text else ARRIVED
    return ctx.desk.act_on_alert(
        alert_id, AlertActionKind.note, u["username"], note, line="arrived"
    )


@router.post("/api/alerts/{alert_id}/{action}")
def act(alert_id: str, action: str, body: NoteBody, u: User, ctx: Ctx) -> dict[str, Any]:
    """签收 (with an optional note) or a note (处理); a closed alert takes neither."""
    if action not in ("acknowledge", "note"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="没有这个操作 / unknown action")
    if action == "note" and not body.note.strip():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="备注不能为空 / empty note"
        )
    row, _ = _alert(ctx, alert_id)
    if row["closed_at"]:
        raise _conflict("告警已关闭 / already closed")
    return ctx.desk.act_on_alert(alert_id, AlertActionKind(action), u["username"], body.note)
