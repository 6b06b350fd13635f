"""Visitor passes: who is on site, the history, registering one (with or without a car) and
signing one out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import Field

from anju_contracts import WireModel, format_ts, utcnow
from anju_contracts.plates import PlateError, normalise_plate
from anju_edge.console.context import Ctx
from anju_edge.console.privacy import valid_id_number, valid_phone
from anju_edge.console.session import User
from anju_edge.console.visitors import add_visitor as register_visitor
from anju_edge.console.visitors import shown

router = APIRouter()

DEFAULT_HOURS = 4.0


class VisitorBody(WireModel):
    """A visitor pass. Give either `hours` (from now) or `valid_until` (with a time zone);
    neither means 4 hours. `plate` empty or absent: a walk-in visitor."""

    name: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=7, max_length=16)
    host_unit: str = Field(min_length=1, max_length=40)
    reason: str = Field(default="", max_length=100, description="到访事由, e.g. 送货.")
    plate: str | None = Field(default=None, max_length=16)
    id_number: str | None = Field(
        default=None, max_length=18, description="18 characters; only the last 4 are kept."
    )
    hours: float | None = Field(default=None, gt=0)
    valid_until: datetime | None = None


def _refuse(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail)


def _until(body: VisitorBody, now: datetime, max_hours: float) -> datetime:
    too_long = _refuse(
        f"访客通行证最长 {max_hours:g} 小时 / a visitor pass lasts at most {max_hours:g} hours"
    )
    if body.hours is not None and body.valid_until is not None:
        raise _refuse("有效时长和有效期只填一个 / give hours or valid_until, not both")
    if body.valid_until is not None:
        if body.valid_until.tzinfo is None:
            raise _refuse("有效期须带时区 / valid_until needs a time zone")
        until = body.valid_until
    else:
        hours = body.hours if body.hours is not None else min(DEFAULT_HOURS, max_hours)
        if hours > max_hours:  # checked before adding: 1e300 hours would overflow
            raise too_long
        until = now + timedelta(hours=hours)
    if until <= now:
        raise _refuse("有效期已过 / valid_until is in the past")
    if until - now > timedelta(hours=max_hours):
        raise too_long
    return until


@router.get("/api/visitors")
def visitors(u: User, ctx: Ctx) -> list[dict[str, Any]]:
    """Visitors on site: passes still valid and not signed out, newest first."""
    now = utcnow()
    return [shown(r, now) for r in ctx.store.visitors_on_site(format_ts(now))]


@router.get("/api/visitors/history")
def history(
    u: User, ctx: Ctx, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Every pass registered in the range (default: the last 7 days), newest first."""
    now = utcnow()
    for value in (since, until):
        if value is not None and value.tzinfo is None:
            raise _refuse("时间须带时区 / times need a time zone")
    start = format_ts(since) if since else format_ts(now - timedelta(days=7))
    end = format_ts(until) if until else format_ts(now + timedelta(days=1))
    return [shown(r, now) for r in ctx.store.visitor_history(start, end, 1000)]


@router.post("/api/visitors", status_code=201)
def add_visitor(body: VisitorBody, u: User, ctx: Ctx) -> dict[str, Any]:
    now = utcnow()
    until = _until(body, now, ctx.config.console.visitor_max_hours)
    if not valid_phone(body.phone):
        raise _refuse("手机号无效 / bad phone number")
    id_number = (body.id_number or "").strip() or None
    if id_number is not None and not valid_id_number(id_number):
        raise _refuse("身份证号无效（18 位，末位可为 X）/ bad ID number")
    plate = None
    if body.plate and body.plate.strip():
        try:
            plate = normalise_plate(body.plate)
        except PlateError:
            raise _refuse("车牌号无效，例如 沪A12345 / bad plate, e.g. 沪A12345") from None
    return register_visitor(
        ctx.store,
        name=body.name.strip(),
        phone=body.phone.strip(),
        host_unit=body.host_unit.strip(),
        plate=plate,
        reason=body.reason.strip(),
        id_number=id_number,
        valid_until=until,
        username=u["username"],
    )


@router.post("/api/visitors/{visitor_id}/sign-out")
def sign_out(visitor_id: str, u: User, ctx: Ctx) -> dict[str, Any]:
    """签离: the pass ends now (its plate no longer opens the gate)."""
    if not ctx.store.sign_out_visitor(visitor_id, u["username"], format_ts(utcnow())):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="没有这个在场访客 / no such visitor on site"
        )
    return {"id": visitor_id, "state": "signed_out"}
