"""GA/T 1400 (视图库) links per precinct, their session state, and the per-object upload queue.

The queue is the webhook outbox's shape (gateway.webhooks) one level finer: a row per
*object* (unique per precinct and object id), so a partial failure retries only the objects
the upper system refused, and an object is never queued twice. New alerts are found by
``alerts.rowid`` past this link's own cursor. Passwords are not here: see
:mod:`anju_gateway.precinct.viid_secrets`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_contracts.common import Strict
from anju_gateway.store.db import Conn, Row

# A queued row's states are the webhook queue's.
from anju_gateway.store.webhooks import DEAD as DEAD
from anju_gateway.store.webhooks import DELIVERED as DELIVERED
from anju_gateway.store.webhooks import PENDING as PENDING

migrations = Migrations("gateway.viid")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE viid_links (
            precinct_id TEXT PRIMARY KEY REFERENCES precincts(id),
            url TEXT NOT NULL,
            system_id TEXT NOT NULL,
            username TEXT NOT NULL,
            kinds TEXT NOT NULL DEFAULT '',
            keepalive_s REAL NOT NULL DEFAULT 60,
            enabled INTEGER NOT NULL DEFAULT 1,
            generation INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'unregistered',
            registered_at TEXT,
            last_keepalive_at TEXT,
            clock_offset_s REAL,
            last_error TEXT NOT NULL DEFAULT '',
            state_at TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE viid_objects (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            precinct_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            object_id TEXT NOT NULL,
            resource TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            delivered_at TEXT,
            UNIQUE (precinct_id, object_id)
        )"""
    )
    db.execute("CREATE INDEX viid_due ON viid_objects(status, next_attempt_at)")
    # Alerts stored before the feature existed are not replayed to a new upper system.
    db.execute("CREATE TABLE viid_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER)")
    db.execute("INSERT INTO viid_cursor (id, last) SELECT 1, COALESCE(MAX(rowid), 0) FROM alerts")


class ViidLinkRow(Strict):
    """One precinct's upper system and its session, as stored (no password)."""

    precinct_id: str
    url: str
    system_id: str
    username: str
    kinds: list[str]
    keepalive_s: float
    enabled: bool
    generation: int
    updated_at: str
    updated_by: str
    state: str
    registered_at: str | None
    last_keepalive_at: str | None
    clock_offset_s: float | None
    last_error: str
    state_at: str | None


class ViidObjectRow(Strict):
    id: int
    precinct_id: str
    alert_id: str
    object_id: str
    resource: str
    body: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: str | None
    last_error: str
    created_at: str
    delivered_at: str | None


def _link(r: Row) -> ViidLinkRow:
    data = {k: r[k] for k in r.keys()}  # noqa: SIM118
    data["kinds"] = [k for k in data["kinds"].split(",") if k]
    data["enabled"] = bool(data["enabled"])
    return ViidLinkRow.model_validate(data)


def _object(r: Row) -> ViidObjectRow:
    data = {k: r[k] for k in r.keys()}  # noqa: SIM118
    data["body"] = json.loads(data["body"])
    return ViidObjectRow.model_validate(data)


def put_link(
    conn: Conn, *, precinct_id: str, url: str, system_id: str, username: str,
    kinds: list[str], keepalive_s: float, enabled: bool, actor: str, now: str,
) -> ViidLinkRow:  # fmt: skip
    """Set a precinct's upper system; the session starts again (a new generation)."""
    conn.execute(
        "INSERT INTO viid_links (precinct_id, url, system_id, username, kinds, keepalive_s, "
        "enabled, updated_at, updated_by, state_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(precinct_id) DO UPDATE SET url = excluded.url, "
        "system_id = excluded.system_id, username = excluded.username, kinds = excluded.kinds, "
        "keepalive_s = excluded.keepalive_s, enabled = excluded.enabled, "
        "updated_at = excluded.updated_at, updated_by = excluded.updated_by, "
        "generation = viid_links.generation + 1, state = 'unregistered', last_error = '', "
        "state_at = excluded.state_at",
        (precinct_id, url, system_id, username, ",".join(kinds), keepalive_s, int(enabled),
         now, actor, now),
    )  # fmt: skip
    link = get_link(conn, precinct_id=precinct_id)
    assert link is not None
    return link


def get_link(conn: Conn, *, precinct_id: str) -> ViidLinkRow | None:
    r = conn.execute("SELECT * FROM viid_links WHERE precinct_id = ?", (precinct_id,)).fetchone()
    return _link(r) if r else None


def list_links(conn: Conn) -> list[ViidLinkRow]:
    return [_link(r) for r in conn.execute("SELECT * FROM viid_links ORDER BY precinct_id")]


def set_session(
    conn: Conn, *, precinct_id: str, generation: int, state: str, now: str,
    error: str = "", registered: bool = False, keepalive: bool = False,
    clock_offset_s: float | None = None,
) -> None:  # fmt: skip
    """Record the session's state, unless the link was changed meanwhile (generation)."""
    conn.execute(
        "UPDATE viid_links SET state = ?, last_error = ?, state_at = ?, "
        "registered_at = CASE WHEN ? = 1 THEN ? ELSE registered_at END, "
        "last_keepalive_at = CASE WHEN ? = 1 THEN ? ELSE last_keepalive_at END, "
        "clock_offset_s = COALESCE(?, clock_offset_s) "
        "WHERE precinct_id = ? AND generation = ?",
        (state, error[:500], now, int(registered), now, int(keepalive), now, clock_offset_s,
         precinct_id, generation),
    )  # fmt: skip


def cursor(conn: Conn) -> int:
    return int(conn.execute("SELECT last FROM viid_cursor WHERE id = 1").fetchone()[0])


def advance_cursor(conn: Conn, *, last: int) -> None:
    conn.execute("UPDATE viid_cursor SET last = ? WHERE id = 1", (last,))


@dataclass(frozen=True, slots=True)
class AlertForViid:
    """An alert past the cursor, with what the object builder needs."""

    position: int
    id: str
    precinct_id: str
    kind: str
    handler: str
    source_kind: str
    source_id: str
    ts: str
    objects: list[dict[str, Any]]
    details: dict[str, Any]
    snapshot: bytes | None
    compound_id: str = ""


def new_alerts(conn: Conn, *, limit: int) -> list[AlertForViid]:
    """Alerts past the cursor with their precinct and snapshot."""
    rows = conn.execute(
        "SELECT a.rowid AS rid, a.*, c.precinct_id, s.jpeg AS snapshot FROM alerts a "
        "JOIN compounds c ON c.id = a.compound_id "
        "LEFT JOIN alert_snapshots s ON s.alert_id = a.id "
        "WHERE a.rowid > ? ORDER BY a.rowid LIMIT ?",
        (cursor(conn), limit),
    ).fetchall()
    return [
        AlertForViid(
            r["rid"],
            r["id"],
            r["precinct_id"],
            r["kind"],
            r["handler"],
            r["source_kind"],
            r["source_id"],
            r["ts"],
            json.loads(r["objects_json"]),
            json.loads(r["details_json"]),
            r["snapshot"],
            r["compound_id"],
        )
        for r in rows
    ]


def has_new_alerts(conn: Conn) -> bool:
    row = conn.execute(
        "SELECT (SELECT COALESCE(MAX(rowid), 0) FROM alerts) > last FROM viid_cursor"
    ).fetchone()
    return bool(row and row[0])


def enqueue_object(
    conn: Conn, *, precinct_id: str, alert_id: str, object_id: str,
    resource: str, body: dict[str, Any], now: str,
) -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO viid_objects (precinct_id, alert_id, object_id, resource, body, "
        "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (precinct_id, alert_id, object_id, resource, json.dumps(body, ensure_ascii=False), now,
         now),
    )  # fmt: skip


def due_objects(conn: Conn, *, precinct_id: str, now: str, limit: int) -> list[ViidObjectRow]:
    rows = conn.execute(
        "SELECT * FROM viid_objects WHERE precinct_id = ? AND status = 'pending' "
        "AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        (precinct_id, now, limit),
    ).fetchall()
    return [_object(r) for r in rows]


def record_object(
    conn: Conn, *, row_id: int, status: str, next_attempt_at: str | None,
    error: str, now: str,
) -> None:  # fmt: skip
    conn.execute(
        "UPDATE viid_objects SET attempts = attempts + 1, status = ?, next_attempt_at = ?, "
        "last_error = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END "
        "WHERE id = ?",
        (status, next_attempt_at, error[:500], status, now, row_id),
    )


def queue_counts(conn: Conn, *, precinct_id: str) -> dict[str, int]:
    rows = conn.execute(
        "SELECT status, COUNT(*) FROM viid_objects WHERE precinct_id = ? GROUP BY status",
        (precinct_id,),
    ).fetchall()
    counts = {PENDING: 0, DELIVERED: 0, DEAD: 0}
    counts.update({r[0]: int(r[1]) for r in rows})
    return counts


def list_objects(
    conn: Conn, *, precinct_id: str, status: str | None = None, limit: int = 100
) -> list[ViidObjectRow]:
    sql = "SELECT * FROM viid_objects WHERE precinct_id = ?"
    params: list[Any] = [precinct_id]
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [_object(r) for r in conn.execute(sql, params)]
