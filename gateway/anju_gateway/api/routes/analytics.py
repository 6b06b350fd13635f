"""Analytics: hour-of-day heatmap, daily trend, 环比/同比 summary; SVG, JSON and CSV, scoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from starlette.responses import HTMLResponse, Response

from anju_gateway.api.deps import ClockDep, DbDep, SettingsDep, current_user
from anju_gateway.api.downloads import csv_download
from anju_gateway.api.routes.pages import LangQuery, page_user, scope_label, to_login, viewer
from anju_gateway.api.routes.reports import report_scope
from anju_gateway.api.schemas import FIRST_DAY, LAST_DAY, Day
from anju_gateway.metrics import REJECTED
from anju_gateway.reports import svg
from anju_gateway.reports.analytics import (
    MAX_DAYS,
    Filter,
    Summary,
    compound_names,
    daily_trend,
    fetch,
    heatmap_rows,
    hour_cube,
    summary,
)
from anju_gateway.settings import GatewaySettings
from anju_gateway.store.users import User
from anju_gateway.web.analytics_html import render_analytics
from anju_gateway.web.pages import zone_word
from anju_gateway.web.words import WORDS, Lang, kind_label, kind_short, kind_word, lang_of

router = APIRouter(tags=["analytics"])

By = Literal["compound_kind", "compound", "kind"]


@dataclass(frozen=True, slots=True)
class Query_:
    start: date
    end: date  # exclusive
    filter: Filter
    by: str
    tz: str
    names: dict[str, str]
    today: date


def _params(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    user: Annotated[User, Depends(current_user)],
    from_: Annotated[Day | None, Query(alias="from", description="First local day")] = None,
    to: Annotated[Day | None, Query(description="Last local day (inclusive)")] = None,
    compound_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    by: By = "compound_kind",
) -> Query_:
    return build_query(db, clock, settings, user, from_, to, compound_id, kind, by)


def build_query(
    db: DbDep,
    clock: ClockDep,
    settings: GatewaySettings,
    user: User,
    from_: date | None,
    to: date | None,
    compound_id: str | None,
    kind: str | None,
    by: str,
) -> Query_:
    scope = report_scope(user, db)
    tz = settings.timezone
    today = clock.now().astimezone(ZoneInfo(tz)).date()
    last = to or today  # today so far, as the list and the month-to-date summary count it
    first = from_ or last - timedelta(days=29)
    if first > last or (last - first).days >= MAX_DAYS:
        REJECTED.labels(reason="bad_range").inc()
        detail = "'from' is after 'to'" if first > last else f"at most {MAX_DAYS} days at once"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail)
    allowed = scope.compound_ids
    if compound_id is not None and not scope.allows(compound_id):
        allowed = ()  # outside the scope looks like an empty compound, as the alert list does
    return Query_(
        start=first,
        end=last + timedelta(days=1),
        filter=Filter(allowed, compound_id, kind),
        by=by,
        tz=tz,
        names=compound_names(db.conn(), scope),
        today=today,
    )


Q = Annotated[Query_, Depends(_params)]


def _range_label(q: Query_, lang: Lang | None) -> str:
    last = q.end - timedelta(days=1)
    zone = q.tz if lang is None else zone_word(q.tz, lang)
    return f"{q.start.isoformat()} — {last.isoformat()} ({zone})"


def heatmap_svg(db: DbDep, q: Query_, lang: Lang | None = None) -> str:
    """Both languages for the exported file (``lang`` None), else the page's language."""
    cube = hour_cube(fetch(db.conn(), q.filter, q.start, q.end, q.tz), q.tz)
    if lang is None:
        rows = heatmap_rows(cube, q.by, kind_short)
        return svg.heatmap("警情时段分布 Alerts by hour of day", rows, _range_label(q, None))
    w = WORDS[lang]
    rows = heatmap_rows(cube, q.by, lambda k: kind_word(k, lang))
    return svg.heatmap(w["heatmap_chart"], rows, _range_label(q, lang), axis=w["heatmap_axis"],
                       no_data=w["no_data"])  # fmt: skip


def trend_svg(db: DbDep, q: Query_, lang: Lang | None = None) -> str:
    points = daily_trend(fetch(db.conn(), q.filter, q.start, q.end, q.tz), q.start, q.end, q.tz)
    if lang is None:
        return svg.trend("每日警情趋势 Daily trend", points, _range_label(q, None))
    w = WORDS[lang]
    return svg.trend(w["trend_chart"], points, _range_label(q, lang), axis=w["trend_axis"])


def _svg_response(text: str) -> Response:
    return Response(text, media_type="image/svg+xml", headers={"Cache-Control": "private"})


@router.get("/api/v1/analytics/heatmap.svg", response_class=Response)
def heatmap(db: DbDep, q: Q, lang: LangQuery = None) -> Response:
    """Labelled in both languages, or in one with ``lang`` (the page's export link)."""
    return _svg_response(heatmap_svg(db, q, lang_of(lang) if lang else None))


@router.get("/api/v1/analytics/trend.svg", response_class=Response)
def trend(db: DbDep, q: Q, lang: LangQuery = None) -> Response:
    return _svg_response(trend_svg(db, q, lang_of(lang) if lang else None))


def month_summary(db: DbDep, q: Query_, month: str | None) -> Summary:
    if month is None:
        first = q.today.replace(day=1)
    else:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            first = date.min  # refused just below
        if not FIRST_DAY <= first <= LAST_DAY:
            REJECTED.labels(reason="bad_range").inc()
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"month must be YYYY-MM, {FIRST_DAY.year} to {LAST_DAY.year}",
            )
    return summary(db.conn(), q.filter, first, tz=q.tz, today=q.today, names=q.names,
                   kind_label=kind_label)  # fmt: skip


@router.get("/api/v1/analytics/summary", response_model=Summary)
def summary_json(
    db: DbDep, q: Q, month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None
) -> Summary:
    return month_summary(db, q, month)


@router.get("/api/v1/analytics/heatmap.csv", response_class=Response)
def heatmap_csv(db: DbDep, q: Q) -> Response:
    cube = hour_cube(fetch(db.conn(), q.filter, q.start, q.end, q.tz), q.tz)
    rows: list[list[object]] = [
        ["compound_id", "小区 compound", "类型 kind", "时 hour", "警情 count"]
    ]
    for (compound, kind, hour), n in sorted(cube.cells.items()):
        rows.append([compound, cube.names.get(compound, compound), kind, hour, n])
    return csv_download(f"anju-heatmap-{q.start}-{q.end - timedelta(days=1)}.csv", rows)


@router.get("/api/v1/analytics/trend.csv", response_class=Response)
def trend_csv(db: DbDep, q: Q) -> Response:
    points = daily_trend(fetch(db.conn(), q.filter, q.start, q.end, q.tz), q.start, q.end, q.tz)
    rows: list[list[object]] = [["日期 date", "警情 count"], *[[d, n] for d, n in points]]
    return csv_download(f"anju-trend-{q.start}-{q.end - timedelta(days=1)}.csv", rows)


@router.get("/api/v1/analytics/summary.csv", response_class=Response)
def summary_csv(
    db: DbDep, q: Q, month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None
) -> Response:
    s = month_summary(db, q, month)
    rows: list[list[object]] = [["分组 group", "key", "名称 label", "本期 current",
                                 "上月 previous_month", "去年同期 last_year", "环比 mom",
                                 "同比 yoy"]]  # fmt: skip
    for group, items in (("total", [s.total]), ("kind", s.by_kind), ("compound", s.top_compounds)):
        for c in items:
            mom, yoy = ("" if v is None else v for v in (c.mom, c.yoy))
            rows.append([group, c.key, c.label, c.current, c.previous_month, c.last_year, mom, yoy])
    return csv_download(f"anju-summary-{s.month}.csv", rows)


@router.get("/analytics", response_class=HTMLResponse, include_in_schema=False)
def analytics_page(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    user: Annotated[User | None, Depends(page_user)],
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Annotated[Day | None, Query()] = None,
    compound_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    by: By = "compound_kind",
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    lang: LangQuery = None,
) -> Response:
    if user is None:
        return to_login(request)
    compound_id, kind = compound_id or None, kind or None  # empty form fields
    q = build_query(db, clock, settings, user, from_, to, compound_id, kind, by)
    language = lang_of(lang)
    return HTMLResponse(
        render_analytics(
            lang=language,
            viewer=viewer(user),
            scope=scope_label(user, db, language),
            start=q.start,
            last=q.end - timedelta(days=1),
            by=by,
            compound_id=compound_id,
            kind=kind,
            names=q.names,
            heatmap_svg=heatmap_svg(db, q, language),
            trend_svg=trend_svg(db, q, language),
            summary=month_summary(db, q, month),
        )
    )
