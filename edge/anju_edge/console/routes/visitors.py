"""Visitor passes: the list (phones masked) and registering one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import Field

from anju_contracts import WireModel, format_ts, utcnow
from anju_contracts.plates import PlateError, normalise_plate
from anju_edge.console.context import Ctx
from anju_edge.console.privacy import mask_phone, valid_phone
from anju_edge.console.session import User
from anju_edge.console.visitors import add_visitor as register_visitor

router = APIRouter()


class VisitorBody(WireModel):
    name: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=7, max_length=16)
    host_unit: str = Field(min_length=1, max_length=40)
    plate: str = Field(min_length=2, max_length=16)
    valid_until: datetime


@router.get("/api/visitors")
def visitors(u: User, ctx: Ctx) -> list[dict[str, Any]]:
    rows = ctx.store.visitors_valid_after(format_ts(utcnow() - timedelta(days=1)))
    for r in rows:
        r["phone"] = mask_phone(r["phone"])
    return rows


@router.post("/api/visitors", status_code=201)
def add_visitor(body: VisitorBody, u: User, ctx: Ctx) -> dict[str, Any]:
    if body.valid_until.tzinfo is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="valid_until needs a time zone"
        )
    now = utcnow()
    if body.valid_until <= now:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail="有效期已过 / valid_until is in the past",
        )
    max_hours = ctx.config.console.visitor_max_hours
    if body.valid_until - now > timedelta(hours=max_hours):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"访客通行证最长 {max_hours:g} 小时 / a visitor pass lasts at most "
            f"{max_hours:g} hours",
        )
    if not valid_phone(body.phone):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="手机号无效 / bad phone")
    try:
        plate = normalise_plate(body.plate)
    except PlateError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    return register_visitor(
        ctx.store, body.name, body.phone, body.host_unit, plate, body.valid_until, u["username"]
    )
