"""The latest heartbeat of every edge box, and whether the box counts as online."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn

migrations = Migrations("gateway.heartbeats")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE edge_health (
            edge_id TEXT PRIMARY KEY REFERENCES edges(id) ON DELETE CASCADE,
            compound_id TEXT NOT NULL,
            received_at TEXT NOT NULL,
            online INTEGER NOT NULL DEFAULT 1,
            offline_alert_id TEXT,
            heartbeat_json TEXT NOT NULL
        )"""
    )


@migrations()
def m002_row_before_first_beat(db: SUDatabase) -> None:
    """A box that enrolled and never beat can be marked offline: no beat, no heartbeat yet."""
    db.table("edge_health").transform(not_null={"received_at": False, "heartbeat_json": False})


@dataclass(frozen=True, slots=True)
class Silent:
    edge_id: str
    compound_id: str
    last_beat: str | None  # None: never beat since enrolment
    since: str  # the last beat, or the enrolment


@dataclass(frozen=True, slots=True)
class EdgeHealth:
    edge_id: str
    compound_id: str
    hostname: str
    enrolled_at: str
    received_at: str | None
    online: bool
    offline_alert_id: str | None
    heartbeat: dict[str, Any]


def last_heartbeat(conn: Conn, *, edge_id: str) -> dict[str, Any] | None:
    """The box's previous heartbeat as stored, or None before its first."""
    row = conn.execute(
        "SELECT heartbeat_json FROM edge_health WHERE edge_id = ?", (edge_id,)
    ).fetchone()
    if row is None or row[0] is None:
        return None
    beat: dict[str, Any] = json.loads(row[0])
    return beat


def record(
    conn: Conn,
    *,
    edge_id: str,
    compound_id: str,
    received_at: str,
    heartbeat_json: str,
) -> str | None:
    """Store a beat; returns the open offline alert id if the box was offline until now."""
    row = conn.execute(
        "SELECT online, offline_alert_id FROM edge_health WHERE edge_id = ?", (edge_id,)
    ).fetchone()
    conn.execute(
        "INSERT INTO edge_health (edge_id, compound_id, received_at, online, heartbeat_json) "
        "VALUES (?, ?, ?, 1, ?) ON CONFLICT(edge_id) DO UPDATE SET "
        "received_at = excluded.received_at, online = 1, offline_alert_id = NULL, "
        "heartbeat_json = excluded.heartbeat_json",
        (edge_id, compound_id, received_at, heartbeat_json),
    )
    if row is not None and not row["online"]:
        return row["offline_alert_id"] or ""
    return None


def silent_since(conn: Conn, *, cutoff: str) -> list[Silent]:
    """Boxes counted online (or never judged) whose last beat, or enrolment if they never beat,
    is older than cutoff."""
    rows = conn.execute(
        "SELECT e.id, e.compound_id, h.received_at, COALESCE(h.received_at, e.created_at) "
        "FROM edges e LEFT JOIN edge_health h ON h.edge_id = e.id "
        "WHERE e.revoked_at IS NULL AND COALESCE(h.online, 1) = 1 "
        "AND COALESCE(h.received_at, e.created_at) < ?",
        (cutoff,),
    ).fetchall()
    return [Silent(r[0], r[1], r[2], r[3]) for r in rows]


def mark_offline(conn: Conn, *, edge_id: str, compound_id: str, alert_id: str) -> None:
    conn.execute(
        "INSERT INTO edge_health (edge_id, compound_id, received_at, online, offline_alert_id, "
        "heartbeat_json) VALUES (?, ?, NULL, 0, ?, NULL) ON CONFLICT(edge_id) DO UPDATE SET "
        "online = 0, offline_alert_id = excluded.offline_alert_id",
        (edge_id, compound_id, alert_id),
    )


def list_health(conn: Conn, *, compound_ids: tuple[str, ...] | None) -> list[EdgeHealth]:
    sql = (
        "SELECT e.id, e.compound_id, e.hostname, e.created_at, h.received_at, h.online, "
        "h.offline_alert_id, h.heartbeat_json FROM edges e "
        "LEFT JOIN edge_health h ON h.edge_id = e.id WHERE e.revoked_at IS NULL"
    )
    params: list[str] = []
    if compound_ids is not None:
        if not compound_ids:
            return []
        sql += f" AND e.compound_id IN ({','.join('?' * len(compound_ids))})"
        params.extend(compound_ids)
    sql += " ORDER BY e.compound_id, e.id"
    return [
        EdgeHealth(
            edge_id=r[0],
            compound_id=r[1],
            hostname=r[2],
            enrolled_at=r[3],
            received_at=r[4],
            online=bool(r[5]) if r[5] is not None else False,
            offline_alert_id=r[6],
            heartbeat=json.loads(r[7]) if r[7] else {},
        )
        for r in conn.execute(sql, params).fetchall()
    ]
