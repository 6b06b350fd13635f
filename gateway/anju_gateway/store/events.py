"""``alert_events``: the audit trail of every alert (transitions, notes, breaches, clearances)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_contracts.common import Strict
from anju_gateway.store.db import Conn

# The set keeps its first name: databases made before record it as applied under that name
# (it then also added the lifecycle columns, which anju_gateway.store.alerts now owns).
migrations = Migrations("gateway.lifecycle")


@migrations()
def m001_lifecycle(db: SUDatabase) -> None:
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


class AlertEvent(Strict):
    """One audited step of an alert (also the API's view of it)."""

    at: str
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str = ""


def add_event(conn: Conn, *, alert_id: str, event: AlertEvent) -> None:
    conn.execute(
        "INSERT INTO alert_events (alert_id, at, actor, action, from_state, to_state, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (alert_id, event.at, event.actor, event.action, event.from_state, event.to_state,
         event.note),
    )  # fmt: skip


def add_events(conn: Conn, events: Iterable[tuple[str, AlertEvent]]) -> None:
    """``add_event`` for several (alert id, event) at once: one batch, not a round trip each."""
    conn.executemany(
        "INSERT INTO alert_events (alert_id, at, actor, action, from_state, to_state, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(alert_id, e.at, e.actor, e.action, e.from_state, e.to_state, e.note)
         for alert_id, e in events],
    )  # fmt: skip


def system_event(*, at: str, action: str, note: str) -> AlertEvent:
    """An event the gateway itself records (an SLA breach, a clearance): no state change."""
    return AlertEvent(
        at=at, actor="system", action=action, from_state=None, to_state=None, note=note
    )


def list_events(conn: Conn, *, alert_id: str) -> list[AlertEvent]:
    rows = conn.execute(
        "SELECT at, actor, action, from_state, to_state, note FROM alert_events "
        "WHERE alert_id = ? ORDER BY id",
        (alert_id,),
    ).fetchall()
    return [
        AlertEvent(at=r[0], actor=r[1], action=r[2], from_state=r[3], to_state=r[4], note=r[5])
        for r in rows
    ]
