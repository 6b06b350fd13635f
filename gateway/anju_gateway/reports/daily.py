"""Daily clearance report (警情清零, 当日销号): every alert of a local day, closed within 24 h?

Rules (docs/reports.md):
- the day is a local calendar day in ``GatewaySettings.timezone``; an alert belongs to the day
  its ``ts`` (when it happened) falls in;
- the clock for acknowledging and closing starts at ``received_at`` (when the gateway learnt of
  it), so a backlog delivered late by an offline edge does not count against officers;
- closed = state resolved or false_alarm with ``closed_at`` set; closed in time = closed within
  ``clearance_hours`` (24 by default);
- overdue = not closed and past the deadline at report time, or closed after the deadline.
The lifecycle columns (owner, acknowledged_at, closed_at, ...) belong to the alert lifecycle
module; a database without them reads them as NULL.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from anju_contracts import format_ts
from anju_gateway.access.scope import Scope

CLOSED_STATES = ("resolved", "false_alarm")
LIFECYCLE_COLUMNS = ("owner", "acknowledged_at", "closed_at", "resolution")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GroupCount(_Out):
    key: str
    label: str
    total: int
    closed: int
    closed_in_time: int
    overdue: int


class OverdueAlert(_Out):
    id: str
    compound_id: str
    compound_name: str
    kind: str
    severity: str
    state: str
    ts: str
    received_at: str
    owner: str | None
    deadline: str
    closed_at: str | None
    reason: str  # "open" (still open past the deadline) or "closed_late"
    hours_over: float


class DailyReport(_Out):
    date: str
    timezone: str
    since: str
    until: str
    generated_at: str
    clearance_hours: int
    total: int
    closed: int
    open: int
    closed_in_time: int
    share_closed_in_time: float | None
    overdue_count: int
    median_ack_minutes: float | None
    median_close_minutes: float | None
    by_state: dict[str, int]
    by_compound: list[GroupCount]
    by_kind: list[GroupCount]
    by_severity: list[GroupCount]
    overdue: list[OverdueAlert]
    alerts: list[dict[str, Any]]


def day_window(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def default_day(now: datetime, tz: str) -> date:
    """Yesterday in local time: the morning meeting walks through the previous day."""
    return now.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)


def alert_columns(conn: sqlite3.Connection) -> set[str]:
    return {r[1] for r in conn.execute("PRAGMA table_info(alerts)")}


def _select_lifecycle(conn: sqlite3.Connection) -> str:
    have = alert_columns(conn)
    return ", ".join(f"a.{c}" if c in have else f"NULL AS {c}" for c in LIFECYCLE_COLUMNS)


def fetch_alerts(
    conn: sqlite3.Connection, compound_ids: tuple[str, ...] | None, since: str, until: str
) -> list[sqlite3.Row]:
    sql = (
        "SELECT a.id, a.compound_id, COALESCE(NULLIF(c.name, ''), c.id) AS compound_name, "
        "a.kind, a.severity, a.state, a.ts, a.received_at, "
        f"{_select_lifecycle(conn)} FROM alerts a JOIN compounds c ON c.id = a.compound_id "
        "WHERE a.ts >= ? AND a.ts < ?"
    )
    params: list[Any] = [since, until]
    if compound_ids is not None:
        if not compound_ids:
            return []
        sql += f" AND a.compound_id IN ({','.join('?' * len(compound_ids))})"
        params.extend(compound_ids)
    return conn.execute(sql + " ORDER BY a.ts, a.id", params).fetchall()


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts) if ts else None


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 60.0


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def build_daily_report(
    conn: sqlite3.Connection,
    scope: Scope,
    day: date,
    *,
    tz: str,
    now: datetime,
    clearance_hours: int = 24,
) -> DailyReport:
    start, end = day_window(day, tz)
    rows = fetch_alerts(conn, scope.compound_ids, format_ts(start), format_ts(end))
    limit = timedelta(hours=clearance_hours)
    groups: dict[str, dict[str, dict[str, int]]] = {
        "compound": defaultdict(Counter),
        "kind": defaultdict(Counter),
        "severity": defaultdict(Counter),
    }
    names: dict[str, str] = {}
    by_state: Counter[str] = Counter()
    ack_minutes: list[float] = []
    close_minutes: list[float] = []
    overdue: list[OverdueAlert] = []
    alerts: list[dict[str, Any]] = []
    for r in rows:
        received = _parse(r["received_at"]) or _parse(r["ts"])
        assert received is not None
        deadline = received + limit
        closed_at = _parse(r["closed_at"]) if r["state"] in CLOSED_STATES else None
        acked = _parse(r["acknowledged_at"])
        ack_m, close_m = _minutes(received, acked), _minutes(received, closed_at)
        if ack_m is not None:
            ack_minutes.append(ack_m)
        if close_m is not None:
            close_minutes.append(close_m)
        in_time = closed_at is not None and closed_at <= deadline
        late_by: timedelta | None = None
        if closed_at is not None and closed_at > deadline:
            late_by, reason = closed_at - deadline, "closed_late"
        elif closed_at is None and now > deadline:
            late_by, reason = now - deadline, "open"
        flags = {"total": 1, "closed": int(closed_at is not None), "closed_in_time": int(in_time)}
        flags["overdue"] = int(late_by is not None)
        names[r["compound_id"]] = r["compound_name"]
        for dim, key in (
            ("compound", r["compound_id"]),
            ("kind", r["kind"]),
            ("severity", r["severity"]),
        ):
            groups[dim][key].update(flags)
        by_state[r["state"]] += 1
        if late_by is not None:
            overdue.append(
                OverdueAlert(
                    id=r["id"],
                    compound_id=r["compound_id"],
                    compound_name=r["compound_name"],
                    kind=r["kind"],
                    severity=r["severity"],
                    state=r["state"],
                    ts=r["ts"],
                    received_at=r["received_at"],
                    owner=r["owner"],
                    deadline=format_ts(deadline),
                    closed_at=r["closed_at"] if closed_at else None,
                    reason=reason,
                    hours_over=round(late_by.total_seconds() / 3600.0, 1),
                )
            )
        alerts.append(
            {
                "id": r["id"],
                "compound_id": r["compound_id"],
                "compound_name": r["compound_name"],
                "kind": r["kind"],
                "severity": r["severity"],
                "state": r["state"],
                "ts": r["ts"],
                "owner": r["owner"],
                "ack_minutes": None if ack_m is None else round(ack_m, 1),
                "close_minutes": None if close_m is None else round(close_m, 1),
                "closed_in_time": in_time,
                "overdue": "" if late_by is None else reason,
            }
        )

    def group_list(dim: str) -> list[GroupCount]:
        items = sorted(groups[dim].items(), key=lambda kv: (-kv[1]["total"], kv[0]))
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

    total = len(rows)
    closed = sum(1 for a in alerts if a["close_minutes"] is not None)
    in_time_total = sum(1 for a in alerts if a["closed_in_time"])
    return DailyReport(
        date=day.isoformat(),
        timezone=tz,
        since=format_ts(start),
        until=format_ts(end),
        generated_at=format_ts(now),
        clearance_hours=clearance_hours,
        total=total,
        closed=closed,
        open=total - closed,
        closed_in_time=in_time_total,
        share_closed_in_time=round(in_time_total / total, 4) if total else None,
        overdue_count=len(overdue),
        median_ack_minutes=_median(ack_minutes),
        median_close_minutes=_median(close_minutes),
        by_state=dict(sorted(by_state.items())),
        by_compound=group_list("compound"),
        by_kind=group_list("kind"),
        by_severity=group_list("severity"),
        overdue=sorted(overdue, key=lambda o: (-o.hours_over, o.id)),
        alerts=alerts,
    )
