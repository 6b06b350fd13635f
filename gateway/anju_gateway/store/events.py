"""Lifecycle columns on alerts and the audit trail of every transition."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

migrations = Migrations("gateway.lifecycle")

LIFECYCLE_COLUMNS = (
    "owner",
    "acknowledged_at",
    "dispatched_at",
    "closed_at",
    "resolution",
    "resolution_note",
    "ack_due_at",
    "close_due_at",
    "ack_breached_at",
    "close_breached_at",
)


@migrations()
def m001_lifecycle(db: SUDatabase) -> None:
    for column in LIFECYCLE_COLUMNS:
        db.execute(f"ALTER TABLE alerts ADD COLUMN {column} TEXT")
    db.execute("CREATE INDEX alerts_ack_due ON alerts(state, ack_due_at)")
    db.execute("CREATE INDEX alerts_close_due ON alerts(close_due_at)")
    db.execute(
        """CREATE TABLE alert_events (
            id INTEGER PRIMARY KEY,
            alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            from_state TEXT,
            to_state TEXT,
            note TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX alert_events_alert ON alert_events(alert_id, id)")


@dataclass(frozen=True, slots=True)
class AlertEvent:
    at: str
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str


def add_event(
    conn: sqlite3.Connection,
    *,
    alert_id: str,
    at: str,
    actor: str,
    action: str,
    from_state: str | None,
    to_state: str | None,
    note: str = "",
) -> None:
    conn.execute(
        "INSERT INTO alert_events (alert_id, at, actor, action, from_state, to_state, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (alert_id, at, actor, action, from_state, to_state, note),
    )


def list_events(conn: sqlite3.Connection, alert_id: str) -> list[AlertEvent]:
    rows = conn.execute(
        "SELECT at, actor, action, from_state, to_state, note FROM alert_events "
        "WHERE alert_id = ? ORDER BY id",
        (alert_id,),
    )
    return [AlertEvent(*r) for r in rows.fetchall()]
