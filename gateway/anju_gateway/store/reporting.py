"""Read-only queries behind the daily report and the analytics (alerts with their compound).

Both select alerts by ``ts`` in a UTC window, optionally restricted to compounds; nothing here
writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anju_contracts.common import Strict
from anju_gateway.store.db import Conn
from anju_gateway.store.names import COMPOUND_NAME_SQL

_FROM = "FROM alerts a JOIN compounds c ON c.id = a.compound_id WHERE a.ts >= ? AND a.ts < ?"
_NAME = f"{COMPOUND_NAME_SQL} AS compound_name"


def _where(
    since: str, until: str, compound_ids: tuple[str, ...] | None, **equal: str | None
) -> tuple[str, list[Any]] | None:
    """The shared WHERE clause; None when the compound list is empty (nothing to see)."""
    sql, params = _FROM, [since, until]
    if compound_ids is not None:
        if not compound_ids:
            return None
        sql += f" AND a.compound_id IN ({','.join('?' * len(compound_ids))})"
        params.extend(compound_ids)
    for column, value in equal.items():
        if value is not None:
            sql += f" AND a.{column} = ?"
            params.append(value)
    return sql, params


class ReportAlert(Strict):
    """The fields of an alert every report line shows."""

    id: str
    compound_id: str
    compound_name: str
    kind: str
    severity: str
    state: str
    ts: str
    received_at: str
    owner: str | None


class ReportRow(ReportAlert):
    """A report line as read, with the lifecycle times the report measures."""

    acknowledged_at: str | None
    closed_at: str | None
    resolution: str | None
    handler: str
    property_acknowledged_at: str | None
    property_closed_at: str | None
    ack_breached_at: str | None  # the police's acknowledge clock ran out (escalated)


def report_rows(
    conn: Conn, *, compound_ids: tuple[str, ...] | None, since: str, until: str
) -> list[ReportRow]:
    """Alerts with ``since <= ts < until``, oldest first, with their lifecycle columns."""
    where = _where(since, until, compound_ids)
    if where is None:
        return []
    sql = (
        f"SELECT a.id, a.compound_id, {_NAME}, a.kind, a.severity, a.state, a.ts, "
        f"a.received_at, a.owner, a.acknowledged_at, a.closed_at, a.resolution, a.handler, "
        f"a.property_acknowledged_at, a.property_closed_at, a.ack_breached_at {where[0]} "
        "ORDER BY a.ts, a.id"
    )
    names = list(ReportRow.model_fields)
    return [ReportRow(**dict(zip(names, r, strict=True))) for r in conn.execute(sql, where[1])]


@dataclass(frozen=True, slots=True)
class CountRow:
    compound_id: str
    compound_name: str
    kind: str
    ts: str


def count_rows(
    conn: Conn,
    *,
    compound_ids: tuple[str, ...] | None,
    since: str,
    until: str,
    compound_id: str | None = None,
    kind: str | None = None,
) -> list[CountRow]:
    """Alerts with ``since <= ts < until`` (optionally one compound, one kind), unordered."""
    where = _where(since, until, compound_ids, compound_id=compound_id, kind=kind)
    if where is None:
        return []
    sql = f"SELECT a.compound_id, {_NAME}, a.kind, a.ts {where[0]}"
    return [CountRow(*r) for r in conn.execute(sql, where[1]).fetchall()]
