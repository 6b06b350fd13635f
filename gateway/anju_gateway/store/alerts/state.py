"""Writes to an alert after it is stored: lifecycle steps, SLA deadlines and breaches, the
clearing of a silent box's alert. The only updates of ``alerts`` there are."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from anju_gateway.store.alerts.schema import LIFECYCLE_COLUMNS

Clock = Literal["ack", "close"]
_SETTABLE = frozenset(("state", *LIFECYCLE_COLUMNS))


@dataclass(frozen=True, slots=True)
class LifecycleState:
    """What a lifecycle step needs to know of an alert."""

    compound_id: str
    state: str
    received_at: str
    acknowledged_at: str | None


def lifecycle_state(conn: sqlite3.Connection, *, alert_id: str) -> LifecycleState | None:
    row = conn.execute(
        "SELECT compound_id, state, received_at, acknowledged_at FROM alerts WHERE id = ?",
        (alert_id,),
    ).fetchone()
    return LifecycleState(row[0], row[1], row[2], row[3]) if row else None


def set_columns(
    conn: sqlite3.Connection, *, alert_id: str, values: Mapping[str, str | None]
) -> None:
    """Set lifecycle columns (state, owner, timestamps, resolution) of one alert."""
    unknown = set(values) - _SETTABLE
    if unknown:
        raise ValueError(f"not a lifecycle column: {sorted(unknown)}")
    assignments = ", ".join(f"{column} = ?" for column in values)
    conn.execute(f"UPDATE alerts SET {assignments} WHERE id = ?", (*values.values(), alert_id))


@dataclass(frozen=True, slots=True)
class Received:
    id: str
    severity: str
    received_at: str


def received(conn: sqlite3.Connection, *, alert_ids: Iterable[str]) -> list[Received]:
    """Severity and reception time of the given alerts (those that exist), in the given order."""
    out: list[Received] = []
    for alert_id in alert_ids:
        row = conn.execute(
            "SELECT severity, received_at FROM alerts WHERE id = ?", (alert_id,)
        ).fetchone()
        if row is not None:
            out.append(Received(alert_id, row[0], row[1]))
    return out


def set_deadlines(conn: sqlite3.Connection, *, deadlines: Sequence[tuple[str, str, str]]) -> None:
    """(alert id, acknowledge-by, close-by) for each alert."""
    conn.executemany(
        "UPDATE alerts SET ack_due_at = ?, close_due_at = ? WHERE id = ?",
        [(ack, close, alert_id) for alert_id, ack, close in deadlines],
    )


@dataclass(frozen=True, slots=True)
class Breach:
    id: str
    compound_id: str
    severity: str
    clock: Clock


_OVERDUE: dict[Clock, str] = {
    # The acknowledge clock runs while an alert is new; the close clock while it is open.
    "ack": "state = 'new' AND ack_breached_at IS NULL AND ack_due_at IS NOT NULL "
    "AND ack_due_at < ?",
    "close": "state IN ('new', 'acknowledged', 'dispatched') AND close_breached_at IS NULL "
    "AND close_due_at IS NOT NULL AND close_due_at < ?",
}


def flag_breaches(conn: sqlite3.Connection, *, clock: Clock, now: str) -> list[Breach]:
    """Mark every alert whose clock ran out and is not flagged yet; returns them. In a write."""
    rows = conn.execute(
        f"SELECT id, compound_id, severity FROM alerts WHERE {_OVERDUE[clock]}", (now,)
    ).fetchall()
    column = f"{clock}_breached_at"
    conn.executemany(f"UPDATE alerts SET {column} = ? WHERE id = ?", [(now, r[0]) for r in rows])
    return [Breach(r[0], r[1], r[2], clock) for r in rows]


def mark_cleared(conn: sqlite3.Connection, *, alert_id: str, at: str) -> None:
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
