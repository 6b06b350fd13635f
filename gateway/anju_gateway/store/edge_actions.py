"""Ids of gate-console actions already applied, so a resent action has no second effect."""

from __future__ import annotations

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn

migrations = Migrations("gateway.edge_actions")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE edge_actions (
            action_id TEXT PRIMARY KEY,
            edge_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )"""
    )


def claim(conn: Conn, *, action_id: str, edge_id: str, alert_id: str, now: str) -> bool:
    """True the first time an action id is seen (call inside the write that applies it)."""
    cur = conn.execute(
        "INSERT INTO edge_actions (action_id, edge_id, alert_id, applied_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (action_id, edge_id, alert_id, now),
    )
    return cur.rowcount == 1
