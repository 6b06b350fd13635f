"""Today's gate log (filtered), the devices board and the audited remote door opening."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, status
from pydantic import Field

from anju_contracts import WireModel, format_ts
from anju_edge.console.context import Ctx
from anju_edge.console.session import User

router = APIRouter()


class OpenBody(WireModel):
    reason: str = Field(min_length=2, max_length=200, description="Mandatory, audited.")


@router.get("/api/events")
def events(
    u: User,
    ctx: Ctx,
    gate: str | None = None,
    type: str | None = None,
    q: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    tz = ZoneInfo(ctx.config.timezone)
    start = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return ctx.store.gate_log(format_ts(start), gate, type, q, min(max(limit, 1), 1000))


@router.get("/api/devices")
def devices(u: User, ctx: Ctx) -> list[dict[str, Any]]:
    names = {g.id: g.name for g in ctx.config.gates}
    names |= {c.id: c.name for c in ctx.config.cameras}
    return [{**d.model_dump(mode="json"), "name": names.get(d.id, "")} for d in ctx.device_health()]


@router.post("/api/gates/{gate_id}/open")
def open_gate(gate_id: str, body: OpenBody, u: User, ctx: Ctx) -> dict[str, Any]:
    if gate_id not in {g.id for g in ctx.config.gates}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such gate")
    if not ctx.door_limit.acquire(u["username"]):
        ctx.desk.refuse_open(gate_id, u["username"], body.reason, "rate_limited")
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="开门过于频繁 / too many door openings, wait a minute",
        )
    command_id = ctx.desk.open_gate(gate_id, u["username"], body.reason)
    return {"command_id": command_id}
