"""The pass log (a chosen range, filtered; CSV export), the devices board, the uplink's state
and the audited remote door opening."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import Field

from anju_common.downloads import csv_download
from anju_contracts import WireModel, format_ts, utcnow
from anju_edge.console.context import ConsoleContext, Ctx
from anju_edge.console.session import User
from anju_edge.console.words import DIRECTIONS, REMOTE_RESULTS, RESULTS, TYPES

router = APIRouter()

DEFAULT_RANGE = timedelta(hours=24)  # the night shift at 00:05 still sees the evening
CSV_ROWS = 50_000  # an export is the whole range, up to this
FAR_FUTURE = "9999-12-31T00:00:00.000Z"


class OpenBody(WireModel):
    reason: str = Field(min_length=2, max_length=200, description="Mandatory, audited.")


class LogQuery(WireModel):
    gate: str | None = Field(default=None, max_length=64)
    type: str | None = Field(default=None, max_length=32)
    q: str | None = Field(default=None, max_length=64)
    since: datetime | None = Field(default=None, description="Default: 24 hours ago.")
    until: datetime | None = Field(default=None, description="Default: no end.")
    limit: int = Field(default=500, ge=1, le=5000, description="Rows on screen (not in a CSV).")


def _log(ctx: ConsoleContext, query: LogQuery) -> list[dict[str, Any]]:
    for value in (query.since, query.until):
        if value is not None and value.tzinfo is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail="时间须带时区 / times need a time zone",
            )
    since = format_ts(query.since) if query.since else format_ts(utcnow() - DEFAULT_RANGE)
    until = format_ts(query.until) if query.until else FAR_FUTURE
    rows = ctx.store.gate_log(since, until, query.gate, query.type, query.q, query.limit)
    names = {g.id: g.name or g.id for g in ctx.config.gates}
    return [{**r, "gate_name": names.get(r["gate_id"], r["gate_id"])} for r in rows]


LogParams = Annotated[LogQuery, Query()]


@router.get("/api/events")
def events(u: User, ctx: Ctx, query: LogParams) -> list[dict[str, Any]]:
    """The pass log, newest first by corrected time."""
    return _log(ctx, query)


@router.get("/api/events.csv")
def events_csv(u: User, ctx: Ctx, query: LogParams) -> Response:
    """The same rows as a spreadsheet (the whole range, up to CSV_ROWS): 中文 headers, local
    time, no ids."""
    tz = ZoneInfo(ctx.config.timezone)

    def local(ts: str | None) -> str:
        if not ts:
            return ""
        return datetime.fromisoformat(ts).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")

    head: list[object] = [
        "时间",
        "门岗",
        "类型",
        "方向",
        "结果",
        "车牌/凭证",
        "人员",
        "说明",
        "门岗设备时间",
    ]
    rows: list[list[object]] = [head]
    for r in _log(ctx, query):
        results = REMOTE_RESULTS if r["type"] == "remote_open" else RESULTS
        held = f"开门 {r['detail']} 秒" if r["type"] == "door_held_open" and r["detail"] else ""
        rows.append(
            [
                local(r["ts"]),
                r["gate_name"],
                TYPES.get(r["type"], r["type"]),
                DIRECTIONS.get(r["direction"] or "", ""),
                results.get(r["result"] or "", ""),
                r["plate"] or r["credential_masked"] or "",
                r["actor"] or "",
                r["note"] or held,
                local(r["device_ts"]),
            ]
        )
    stamp = datetime.now(tz).strftime("%Y%m%d-%H%M")
    return csv_download(f"pass-log-{ctx.config.compound_id}-{stamp}.csv", rows)


@router.get("/api/devices")
def devices(u: User, ctx: Ctx) -> list[dict[str, Any]]:
    names = {g.id: g.name for g in ctx.config.gates}
    names |= {c.id: c.name for c in ctx.config.cameras}
    return [{**d.model_dump(mode="json"), "name": names.get(d.id, "")} for d in ctx.device_health()]


@router.get("/api/status")
def uplink_status(u: User, ctx: Ctx) -> dict[str, Any]:
    """Whether the precinct's gateway is reached, what waits for it, and whether vehicle
    passage records go to the precinct (the header's notice)."""
    state, last = ctx.uplink.state(time.time())
    return {
        "uplink": state,
        "last_contact": format_ts(datetime.fromtimestamp(last).astimezone()) if last else None,
        "queued_actions": ctx.store.queued_actions(),
        "queued_alerts": ctx.queued_alerts(),
        "passage_upload": ctx.passage_upload(),
    }


@router.post("/api/gates/{gate_id}/open")
def open_gate(gate_id: str, body: OpenBody, u: User, ctx: Ctx) -> dict[str, Any]:
    if gate_id not in {g.id for g in ctx.config.gates}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="没有这个门岗 / no such gate")
    if not ctx.door_limit.acquire(u["username"]):
        ctx.desk.refuse_open(gate_id, u["username"], body.reason, "rate_limited")
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="开门过于频繁，请一分钟后再试 / too many door openings, wait a minute",
        )
    command_id = ctx.desk.open_gate(gate_id, u["username"], body.reason, actor=u["display_name"])
    return {"command_id": command_id, "answer_s": ctx.config.console.door_answer_s}
