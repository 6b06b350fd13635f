"""Daily clearance report as a printable page, JSON and CSV, always within the caller's scope."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from starlette.responses import HTMLResponse, Response

from anju_gateway.access.scope import Scope, scope_for
from anju_gateway.api.deps import ClockDep, DbDep, SettingsDep, current_user
from anju_gateway.api.downloads import csv_download
from anju_gateway.api.routes.pages import LangQuery, page_user, scope_label, to_login, viewer
from anju_gateway.api.schemas import Day
from anju_gateway.reports.daily import DailyReport, build_daily_report, default_day
from anju_gateway.store import Database
from anju_gateway.store.users import User
from anju_gateway.web.pages import local_time
from anju_gateway.web.reports_html import render_daily
from anju_gateway.web.words import kind_label, lang_of

router = APIRouter(tags=["reports"])


def report_scope(user: User, db: Database) -> Scope:
    scope = scope_for(db.conn(), user)
    if not scope.sees_alerts:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="your role sees no alerts")
    return scope


def _report(
    user: User, db: Database, clock: ClockDep, settings: SettingsDep, day: date | None
) -> DailyReport:
    scope = report_scope(user, db)
    now = clock.now()
    return build_daily_report(
        db.conn(),
        scope,
        day or default_day(now, settings.timezone),
        tz=settings.timezone,
        now=now,
        clearance_hours=settings.sla_close_hours,
        property_clearance_hours=settings.sla_property_close_hours,
    )


@router.get("/api/v1/reports/daily", response_model=DailyReport)
def daily_json(
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    user: Annotated[User, Depends(current_user)],
    date_: Annotated[Day | None, Query(alias="date")] = None,
) -> DailyReport:
    return _report(user, db, clock, settings, date_)


@router.get("/api/v1/reports/daily.csv", response_class=Response)
def daily_csv(
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    user: Annotated[User, Depends(current_user)],
    date_: Annotated[Day | None, Query(alias="date")] = None,
    view: Literal["alerts", "compounds"] = "alerts",
) -> Response:
    report = _report(user, db, clock, settings, date_)
    tz = report.timezone
    rows: list[list[object]]
    if view == "compounds":
        rows = [["compound_id", "小区 compound", "警情 total", "已销号 closed",
                 "按时销号 closed_in_time", "超时 overdue"]]  # fmt: skip
        rows += [[g.key, g.label, g.total, g.closed, g.closed_in_time, g.overdue]
                 for g in report.by_compound]  # fmt: skip
    else:
        rows = [["id", "compound_id", "小区 compound", "类型 kind", "kind_label", "级别 severity",
                 "状态 state", "发生时间 local_time", "责任人 owner", "接警分钟 ack_minutes",
                 "销号分钟 close_minutes", "按时销号 closed_in_time", "超时 overdue"]]  # fmt: skip
        for a in report.alerts:
            rows.append([
                a["id"], a["compound_id"], a["compound_name"], a["kind"], kind_label(a["kind"]),
                a["severity"], a["state"], local_time(a["ts"], tz, "%Y-%m-%d %H:%M:%S"),
                a["owner"] or "", "" if a["ack_minutes"] is None else a["ack_minutes"],
                "" if a["close_minutes"] is None else a["close_minutes"],
                int(a["closed_in_time"]), a["overdue"],
            ])  # fmt: skip
    name = f"anju-daily-{report.date}{'-compounds' if view == 'compounds' else ''}.csv"
    return csv_download(name, rows)


@router.get("/reports/daily", response_class=HTMLResponse, include_in_schema=False)
def daily_page(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    user: Annotated[User | None, Depends(page_user)],
    date_: Annotated[Day | None, Query(alias="date")] = None,
    lang: LangQuery = None,
) -> Response:
    if user is None:
        return to_login(request)
    report = _report(user, db, clock, settings, date_)
    language = lang_of(lang)
    page = render_daily(report, scope_label(user, db, language), lang=language, viewer=viewer(user))
    return HTMLResponse(page)
