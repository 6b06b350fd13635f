"""Precinct webhooks and their durable delivery queue (an outbox in the gateway's database).

New alerts are found by ``alerts.rowid`` past a stored cursor, so an alert stored just before
a crash is still queued after the restart; a delivery row is unique per (precinct, alert).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_contracts.common import Strict
from anju_contracts.webhook import WebhookAlert
from anju_gateway.store.db import Conn, Row
from anju_gateway.store.names import name_alerts

migrations = Migrations("gateway.webhooks")

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE precinct_webhooks (
            precinct_id TEXT PRIMARY KEY REFERENCES precincts(id),
            url TEXT NOT NULL,
            secret TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE webhook_deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            precinct_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            last_status INTEGER,
            last_error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            delivered_at TEXT,
            UNIQUE (precinct_id, alert_id)
        )"""
    )
    db.execute("CREATE INDEX webhook_due ON webhook_deliveries(status, next_attempt_at)")
    # Alerts stored before this feature existed are not replayed to new webhooks.
    db.execute("CREATE TABLE webhook_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER)")
    db.execute(
        "INSERT INTO webhook_cursor (id, last) SELECT 1, COALESCE(MAX(rowid), 0) FROM alerts"
    )


@dataclass(frozen=True, slots=True)
class Webhook:
    precinct_id: str
    url: str
    secret: str
    enabled: bool
    updated_at: str
    updated_by: str


class DeliveryBase(Strict):
    """One delivery's progress: the delivery log's view of it."""

    id: int
    alert_id: str
    status: str
    attempts: int
    next_attempt_at: str | None
    last_status: int | None
    last_error: str
    created_at: str
    delivered_at: str | None


class Delivery(DeliveryBase):
    """A queued delivery with what the worker needs to send it."""

    precinct_id: str
    body: str


def _webhook(r: Row) -> Webhook:
    return Webhook(
        r["precinct_id"], r["url"], r["secret"], bool(r["enabled"]), r["updated_at"],
        r["updated_by"],
    )  # fmt: skip


def _delivery(r: Row) -> Delivery:
    return Delivery.model_validate({k: r[k] for k in r.keys()})  # noqa: SIM118


def put_webhook(
    conn: Conn, *, precinct_id: str, url: str, secret: str, enabled: bool,
    actor: str, now: str,
) -> Webhook:  # fmt: skip
    conn.execute(
        "INSERT INTO precinct_webhooks (precinct_id, url, secret, enabled, updated_at, "
        "updated_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(precinct_id) DO UPDATE SET "
        "url = excluded.url, secret = excluded.secret, enabled = excluded.enabled, "
        "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        (precinct_id, url, secret, int(enabled), now, actor),
    )
    hook = get_webhook(conn, precinct_id=precinct_id)
    assert hook is not None
    return hook


def get_webhook(conn: Conn, *, precinct_id: str) -> Webhook | None:
    r = conn.execute(
        "SELECT * FROM precinct_webhooks WHERE precinct_id = ?", (precinct_id,)
    ).fetchone()
    return _webhook(r) if r else None


@dataclass(frozen=True, slots=True)
class QueuedAlert:
    """An alert past the cursor: its position, whether its precinct's webhook is on, the body."""

    position: int
    hook_enabled: bool
    alert: WebhookAlert


def _queued(r: Row) -> QueuedAlert:
    alert = WebhookAlert(
        id=r["id"], compound_id=r["compound_id"], kind=r["kind"], severity=r["severity"],
        ts=r["ts"], source_id=r["source_id"], zone=r["zone"], compound_name=r["compound_name"],
        precinct_id=r["precinct_id"], source_kind=r["source_kind"],
        details=json.loads(r["details_json"]), has_snapshot=bool(r["has_snapshot"]),
        received_at=r["received_at"],
    )  # fmt: skip
    return QueuedAlert(position=r["rid"], hook_enabled=bool(r["hook_enabled"]), alert=alert)


def new_alerts(conn: Conn, *, limit: int) -> tuple[int, list[QueuedAlert]]:
    """The cursor and the alerts past it, with their compound's precinct and webhook state."""
    last = conn.execute("SELECT last FROM webhook_cursor WHERE id = 1").fetchone()[0]
    rows = conn.execute(
        "SELECT a.rowid AS rid, a.*, c.name AS compound_name, c.precinct_id, "
        "w.enabled AS hook_enabled FROM alerts a JOIN compounds c ON c.id = a.compound_id "
        "LEFT JOIN precinct_webhooks w ON w.precinct_id = c.precinct_id "
        "WHERE a.rowid > ? ORDER BY a.rowid LIMIT ?",
        (last, limit),
    ).fetchall()
    queued = [_queued(r) for r in rows]
    named = name_alerts(conn, [q.alert for q in queued])
    return last, [replace(q, alert=a) for q, a in zip(queued, named, strict=True)]


def has_new_alerts(conn: Conn) -> bool:
    row = conn.execute(
        "SELECT (SELECT COALESCE(MAX(rowid), 0) FROM alerts) > last FROM webhook_cursor"
    ).fetchone()
    return bool(row and row[0])


def advance_cursor(conn: Conn, *, last: int) -> None:
    conn.execute("UPDATE webhook_cursor SET last = ? WHERE id = 1", (last,))


def enqueue(conn: Conn, *, precinct_id: str, alert_id: str, body: str, now: str) -> None:
    conn.execute(
        "INSERT INTO webhook_deliveries (precinct_id, alert_id, body, status, "
        "next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING",
        (precinct_id, alert_id, body, now, now),
    )


def due_deliveries(conn: Conn, *, now: str, limit: int) -> list[Delivery]:
    rows = conn.execute(
        "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at, id LIMIT ?",
        (now, limit),
    ).fetchall()
    return [_delivery(r) for r in rows]


def record_attempt(
    conn: Conn,
    *,
    delivery_id: int,
    status: str,
    next_attempt_at: str | None,
    last_status: int | None,
    last_error: str,
    now: str,
) -> None:
    conn.execute(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, next_attempt_at = ?, "
        "last_status = ?, last_error = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? "
        "ELSE delivered_at END WHERE id = ?",
        (status, next_attempt_at, last_status, last_error[:500], status, now, delivery_id),
    )


def list_deliveries(
    conn: Conn, *, precinct_id: str, status: str | None = None, limit: int = 100
) -> list[Delivery]:
    sql = "SELECT * FROM webhook_deliveries WHERE precinct_id = ?"
    params: list[Any] = [precinct_id]
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [_delivery(r) for r in conn.execute(sql, params)]
