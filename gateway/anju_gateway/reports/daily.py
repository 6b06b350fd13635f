"""Daily clearance report (警情清零, 当日销号): every alert of a local day, closed within 24 h?

Rules (docs/reports.md):
- the day is a local calendar day in ``GatewaySettings.timezone``; an alert belongs to the day
  its ``ts`` (when it happened) falls in;
- the clock for acknowledging and closing starts at ``received_at`` (when the gateway learnt of
  it), so a backlog delivered late by an offline edge does not count against officers;
- closed = state resolved or false_alarm with ``closed_at`` set (for an alert routed to the
  property only: ``property_closed_at``, the gate's 销号); closed in time = closed within
  ``clearance_hours`` (``ANJU_GATEWAY_SLA_CLOSE_HOURS``, 24 by default), or for a property
  alert ``property_clearance_hours`` (``ANJU_GATEWAY_SLA_PROPERTY_CLOSE_HOURS``);
- acknowledge minutes are the police's (``acknowledged_at``); a guard's acknowledgement of a
  property alert counts in its own median; no duration is ever below 0;
- overdue = not closed and past the deadline at report time, or closed after the deadline;
- the share closed in time counts only alerts that are *due*: closed, or past their deadline.
  An open alert whose 24 h have not run out yet is 未到期 (``not_yet_due``), neither in time
  nor overdue, so a report of today so far is not dragged down by this morning's alerts;
- ``ack_breached`` counts the alerts whose police acknowledge clock ran out (escalated).
The rows come from :func:`anju_gateway.store.reporting.report_rows`.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from anju_contracts import Strict, format_ts
from anju_gateway.access.scope import Scope
from anju_gateway.store.db import Conn
from anju_gateway.store.reporting import ReportAlert, ReportRow, report_rows

CLOSED_STATES = ("resolved", "false_alarm")
DIMENSIONS = ("compound", "kind", "severity", "handler")


class GroupCount(Strict):
    key: str
    label: str
    total: int
    closed: int
    closed_in_time: int
    overdue: int


class OverdueAlert(ReportAlert):
    deadline: str
    closed_at: str | None
    reason: str  # "open" (still open past the deadline) or "closed_late"
    hours_over: float


class DailyReport(Strict):
    date: str
    timezone: str
    since: str
    until: str
    generated_at: str
    clearance_hours: float
    property_clearance_hours: float
    total: int
    closed: int
    open: int
    closed_in_time: int
    not_yet_due: int
    share_closed_in_time: float | None
    overdue_count: int
    ack_breached: int
    median_ack_minutes: float | None
    median_property_ack_minutes: float | None
    median_close_minutes: float | None
    by_state: dict[str, int]
    by_compound: list[GroupCount]
    by_kind: list[GroupCount]
    by_severity: list[GroupCount]
    by_handler: list[GroupCount]
    overdue: list[OverdueAlert]
    alerts: list[dict[str, Any]]


def day_window(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def default_day(now: datetime, tz: str) -> date:
    """Today so far, in local time (what the list shows); yesterday, for the morning meeting,
    is one click away on the page (``?date=``)."""
    return now.astimezone(ZoneInfo(tz)).date()


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts) if ts else None


def _minutes(start: datetime, end: datetime | None) -> float | None:
    # Never below 0: every time is counted from the gateway's receipt (docs/lifecycle.md).
    return None if end is None else max(0.0, (end - start).total_seconds() / 60.0)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


@dataclass(frozen=True, slots=True)
class Judged:
    """One alert measured against its clearance deadline."""

    row: ReportRow
    deadline: datetime
    closed_at: datetime | None
    ack_minutes: float | None  # the police's acknowledgement
    property_ack_minutes: float | None  # the gate's, on an alert routed to the property
    close_minutes: float | None
    in_time: bool
    late_by: timedelta | None
    reason: str  # "" (not overdue), "open" or "closed_late"
    due: bool  # closed, or past its deadline: counted in the share closed in time


def judge(
    row: ReportRow, limit: timedelta, now: datetime, property_limit: timedelta | None = None
) -> Judged:
    received = _parse(row.received_at) or _parse(row.ts)
    assert received is not None
    by_property = row.handler == "property"
    deadline = received + (property_limit if by_property and property_limit else limit)
    closing = (row.property_closed_at or row.closed_at) if by_property else row.closed_at
    closed_at = _parse(closing) if row.state in CLOSED_STATES else None
    late_by: timedelta | None = None
    reason = ""
    if closed_at is not None and closed_at > deadline:
        late_by, reason = closed_at - deadline, "closed_late"
    elif closed_at is None and now > deadline:
        late_by, reason = now - deadline, "open"
    return Judged(
        row=row,
        deadline=deadline,
        closed_at=closed_at,
        ack_minutes=_minutes(received, _parse(row.acknowledged_at)),
        property_ack_minutes=_minutes(received, _parse(row.property_acknowledged_at)),
        close_minutes=_minutes(received, closed_at),
        in_time=closed_at is not None and closed_at <= deadline,
        late_by=late_by,
        reason=reason,
        due=closed_at is not None or now > deadline,
    )


def overdue_entry(j: Judged) -> OverdueAlert:
    r = j.row
    assert j.late_by is not None
    return OverdueAlert(
        **r.model_dump(include=set(ReportAlert.model_fields)),
        deadline=format_ts(j.deadline),
        closed_at=r.closed_at if j.closed_at else None,
        reason=j.reason,
        hours_over=round(j.late_by.total_seconds() / 3600.0, 1),
    )


def alert_line(j: Judged) -> dict[str, Any]:
    r = j.row
    return {
        "id": r.id,
        "compound_id": r.compound_id,
        "compound_name": r.compound_name,
        "kind": r.kind,
        "severity": r.severity,
        "state": r.state,
        "ts": r.ts,
        "owner": r.owner,
        "handler": r.handler,
        "ack_minutes": None if j.ack_minutes is None else round(j.ack_minutes, 1),
        "property_ack_minutes": None
        if j.property_ack_minutes is None
        else round(j.property_ack_minutes, 1),
        "close_minutes": None if j.close_minutes is None else round(j.close_minutes, 1),
        "closed_in_time": j.in_time,
        "not_yet_due": not j.due,
        "ack_breached": j.row.ack_breached_at is not None,
        "overdue": j.reason,
    }


def group_counts(judged: list[Judged], dim: str) -> list[GroupCount]:
    """Totals per compound, kind or severity, busiest first."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, str] = {}
    for j in judged:
        key = {
            "compound": j.row.compound_id,
            "kind": j.row.kind,
            "severity": j.row.severity,
            "handler": j.row.handler,
        }[dim]
        names[j.row.compound_id] = j.row.compound_name
        counts[key].update(
            total=1,
            closed=int(j.closed_at is not None),
            closed_in_time=int(j.in_time),
            overdue=int(j.late_by is not None),
        )
    items = sorted(counts.items(), key=lambda kv: (-kv[1]["total"], kv[0]))
    return [
        GroupCount(
            key=key,
            label=names.get(key, key) if dim == "compound" else key,
            total=c["total"],
            closed=c["closed"],
            closed_in_time=c["closed_in_time"],
            overdue=c["overdue"],
        )
        for key, c in items
    ]


def build_daily_report(
    conn: Conn,
    scope: Scope,
    day: date,
    *,
    tz: str,
    now: datetime,
    clearance_hours: float = 24,
    property_clearance_hours: float = 24,
) -> DailyReport:
    start, end = day_window(day, tz)
    rows = report_rows(
        conn, compound_ids=scope.compound_ids, since=format_ts(start), until=format_ts(end)
    )
    limit, property_limit = (
        timedelta(hours=clearance_hours),
        timedelta(hours=property_clearance_hours),
    )
    judged = [judge(r, limit, now, property_limit) for r in rows]
    overdue = [overdue_entry(j) for j in judged if j.late_by is not None]
    total = len(judged)
    closed = sum(1 for j in judged if j.close_minutes is not None)
    in_time = sum(1 for j in judged if j.in_time)
    due = sum(1 for j in judged if j.due)
    return DailyReport(
        date=day.isoformat(),
        timezone=tz,
        since=format_ts(start),
        until=format_ts(end),
        generated_at=format_ts(now),
        clearance_hours=clearance_hours,
        property_clearance_hours=property_clearance_hours,
        total=total,
        closed=closed,
        open=total - closed,
        closed_in_time=in_time,
        not_yet_due=total - due,
        share_closed_in_time=round(in_time / due, 4) if due else None,
        overdue_count=len(overdue),
        ack_breached=sum(1 for j in judged if j.row.ack_breached_at is not None),
        median_ack_minutes=_median([j.ack_minutes for j in judged if j.ack_minutes is not None]),
        median_property_ack_minutes=_median(
            [j.property_ack_minutes for j in judged if j.property_ack_minutes is not None]
        ),
        median_close_minutes=_median(
            [j.close_minutes for j in judged if j.close_minutes is not None]
        ),
        by_state=dict(sorted(Counter(j.row.state for j in judged).items())),
        by_compound=group_counts(judged, "compound"),
        by_kind=group_counts(judged, "kind"),
        by_severity=group_counts(judged, "severity"),
        by_handler=group_counts(judged, "handler"),
        overdue=sorted(overdue, key=lambda o: (-o.hours_over, o.id)),
        alerts=[alert_line(j) for j in judged],
    )
