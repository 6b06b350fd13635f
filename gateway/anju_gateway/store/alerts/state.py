"""Writes to an alert after it is stored: lifecycle steps, SLA deadlines and breaches, the
clearing of a silent box's alert. The only updates of ``alerts`` there are."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from anju_gateway.store.alerts.schema import (
    DISPATCH_COLUMNS,
    LIFECYCLE_COLUMNS,
    PROPERTY_COLUMNS,
)
from anju_gateway.store.db import Conn

# The police clocks (ack, close) and the property's (property_ack, property_close).
Clock = Literal["ack", "close", "property_ack", "property_close"]
CLOCKS: tuple[Clock, ...] = ("ack", "close", "property_ack", "property_close")
_SETTABLE = frozenset(("state", *LIFECYCLE_COLUMNS, *PROPERTY_COLUMNS, *DISPATCH_COLUMNS))


@dataclass(frozen=True, slots=True)
class LifecycleState:
    """What a lifecycle step (an officer's or the gate's) needs to know of an alert."""

    compound_id: str
    state: str
    received_at: str
    acknowledged_at: str | None
    handler: str = "police"
    property_owner: str | None = None
    property_acknowledged_at: str | None = None
    property_closed_at: str | None = None


def lifecycle_state(conn: Conn, *, alert_id: str) -> LifecycleState | None:
    row = conn.execute(
        "SELECT compound_id, state, received_at, acknowledged_at, handler, property_owner, "
        "property_acknowledged_at, property_closed_at FROM alerts WHERE id = ?",
        (alert_id,),
    ).fetchone()
    return LifecycleState(*row) if row else None


def set_columns(conn: Conn, *, alert_id: str, values: Mapping[str, str | None]) -> None:
    """Set lifecycle columns (state, owner, timestamps, resolution) of one alert."""
    unknown = set(values) - _SETTABLE
    if unknown:
        raise ValueError(f"not a lifecycle column: {sorted(unknown)}")
    assignments = ", ".join(f"{column} = ?" for column in values)
    conn.execute(f"UPDATE alerts SET {assignments} WHERE id = ?", (*values.values(), alert_id))


@dataclass(frozen=True, slots=True)
class Received:
    """What admitting a freshly stored alert needs: its routing inputs and its origin."""

    id: str
    compound_id: str
    kind: str
    severity: str
    received_at: str
    source_kind: str
    source_id: str
    edge_id: str | None


def received(conn: Conn, *, alert_ids: Iterable[str]) -> list[Received]:
    """The given alerts (those that exist), in the given order; one query per 500 ids (a
    query per alert was a round trip each on PostgreSQL, inside the write)."""
    ids = list(alert_ids)
    found: dict[str, Received] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            "SELECT id, compound_id, kind, severity, received_at, source_kind, source_id, "
            f"edge_id FROM alerts WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        found.update((r[0], Received(*r)) for r in rows)
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True, slots=True)
class Admission:
    """The handler decided at ingest and the deadlines of the clocks it runs (None: no clock)."""

    id: str
    handler: str
    ack_due_at: str | None
    close_due_at: str | None
    property_ack_due_at: str | None
    property_close_due_at: str | None


def set_admissions(conn: Conn, *, admissions: Sequence[Admission]) -> None:
    conn.executemany(
        "UPDATE alerts SET handler = ?, ack_due_at = ?, close_due_at = ?, "
        "property_ack_due_at = ?, property_close_due_at = ? WHERE id = ?",
        [
            (a.handler, a.ack_due_at, a.close_due_at, a.property_ack_due_at,
             a.property_close_due_at, a.id)
            for a in admissions
        ],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Breach:
    id: str
    compound_id: str
    severity: str
    clock: Clock
    state: str = "new"


_OPEN = "state IN ('new', 'acknowledged', 'dispatched')"
_OVERDUE: dict[Clock, str] = {
    # The police acknowledge clock runs while an alert is new; the close clock while it is
    # open. Alerts routed to the property only have no police deadlines.
    "ack": "state = 'new' AND ack_breached_at IS NULL AND ack_due_at IS NOT NULL "
    "AND ack_due_at < ?",
    "close": f"{_OPEN} AND close_breached_at IS NULL "
    "AND close_due_at IS NOT NULL AND close_due_at < ?",
    # The property's clocks run until the gate acknowledges (closes); an alert the police
    # closed (routed to both) needs nothing more from the gate either.
    "property_ack": f"{_OPEN} AND property_acknowledged_at IS NULL "
    "AND property_closed_at IS NULL AND property_ack_breached_at IS NULL "
    "AND property_ack_due_at IS NOT NULL AND property_ack_due_at < ?",
    "property_close": f"{_OPEN} AND property_closed_at IS NULL "
    "AND property_close_breached_at IS NULL "
    "AND property_close_due_at IS NOT NULL AND property_close_due_at < ?",
}


def flag_breaches(conn: Conn, *, clock: Clock, now: str) -> list[Breach]:
    """Mark every alert whose clock ran out and is not flagged yet; returns them. In a write."""
    rows = conn.execute(
        f"SELECT id, compound_id, severity, state FROM alerts WHERE {_OVERDUE[clock]}", (now,)
    ).fetchall()
    column = f"{clock}_breached_at"
    conn.executemany(f"UPDATE alerts SET {column} = ? WHERE id = ?", [(now, r[0]) for r in rows])
    return [Breach(r[0], r[1], r[2], clock, r[3]) for r in rows]


def mark_cleared(conn: Conn, *, alert_id: str, at: str) -> None:
    """Stamp ``details.cleared_at`` (a silent box beats again). Call in a write transaction."""
    row = conn.execute("SELECT details_json FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    if row is None:
        return
    details = json.loads(row[0])
    details["cleared_at"] = at
    conn.execute(
        "UPDATE alerts SET details_json = ? WHERE id = ?",
        (json.dumps(details, ensure_ascii=False), alert_id),
    )
