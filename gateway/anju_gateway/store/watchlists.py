"""Watch-listed plates and credentials, with an append-only audit of who added or removed what.

Entries are never deleted: removal stamps ``removed_at``/``removed_by`` so the audit trail and
past alerts keep pointing at a real row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn, Row

migrations = Migrations("gateway.watchlists")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE watchlist (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            precinct_id TEXT REFERENCES precincts(id),
            expires_at TEXT,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            removed_by TEXT,
            removed_at TEXT
        )"""
    )
    db.execute("CREATE INDEX watchlist_active ON watchlist(removed_at, precinct_id)")
    db.execute(
        """CREATE TABLE watchlist_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            entry_id INTEGER NOT NULL REFERENCES watchlist(id),
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            detail_json TEXT NOT NULL DEFAULT '{}'
        )"""
    )


@dataclass(frozen=True, slots=True)
class WatchRow:
    id: int
    kind: str
    value: str
    reason: str
    precinct_id: str | None  # None: every precinct (global)
    expires_at: str | None
    created_by: str
    created_at: str
    removed_by: str | None
    removed_at: str | None


def _row(r: Row) -> WatchRow:
    return WatchRow(
        id=r["id"],
        kind=r["kind"],
        value=r["value"],
        reason=r["reason"],
        precinct_id=r["precinct_id"],
        expires_at=r["expires_at"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        removed_by=r["removed_by"],
        removed_at=r["removed_at"],
    )


def _audit(conn: Conn, entry_id: int, action: str, actor: str, at: str, detail: Any) -> None:
    conn.execute(
        "INSERT INTO watchlist_audit (entry_id, action, actor, at, detail_json) "
        "VALUES (?, ?, ?, ?, ?)",
        (entry_id, action, actor, at, json.dumps(detail, ensure_ascii=False)),
    )


def add_entry(
    conn: Conn,
    *,
    kind: str,
    value: str,
    reason: str,
    precinct_id: str | None,
    expires_at: str | None,
    actor: str,
    now: str,
) -> WatchRow:
    """Insert and audit in the caller's write transaction."""
    row = conn.execute(
        "INSERT INTO watchlist (kind, value, reason, precinct_id, expires_at, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (kind, value, reason, precinct_id, expires_at, actor, now),
    ).fetchone()
    entry_id = int(row[0])
    detail = {"kind": kind, "value": value, "reason": reason, "precinct_id": precinct_id}
    detail["expires_at"] = expires_at
    _audit(conn, entry_id, "create", actor, now, detail)
    row = get_entry(conn, entry_id=entry_id)
    assert row is not None
    return row


def remove_entry(conn: Conn, *, entry_id: int, actor: str, now: str) -> bool:
    cur = conn.execute(
        "UPDATE watchlist SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL",
        (now, actor, entry_id),
    )
    if cur.rowcount == 0:
        return False
    row = get_entry(conn, entry_id=entry_id)
    assert row is not None
    _audit(conn, entry_id, "remove", actor, now, {"kind": row.kind, "value": row.value})
    return True


def get_entry(conn: Conn, *, entry_id: int) -> WatchRow | None:
    r = conn.execute("SELECT * FROM watchlist WHERE id = ?", (entry_id,)).fetchone()
    return _row(r) if r else None


def active_entries(conn: Conn, *, precinct_ids: tuple[str, ...] | None, now: str) -> list[WatchRow]:
    """Unremoved, unexpired entries: global ones plus those of the given precincts.

    ``precinct_ids`` None means every entry (admins).
    """
    sql = (
        "SELECT * FROM watchlist WHERE removed_at IS NULL "
        "AND (expires_at IS NULL OR expires_at > ?)"
    )
    params: list[Any] = [now]
    if precinct_ids is not None:
        marks = ",".join("?" * len(precinct_ids))
        sql += f" AND (precinct_id IS NULL OR precinct_id IN ({marks or 'NULL'}))"
        params.extend(precinct_ids)
    sql += " ORDER BY kind, value, id"
    return [_row(r) for r in conn.execute(sql, params)]


@dataclass(frozen=True, slots=True)
class AuditRow:
    entry_id: int
    action: str
    actor: str
    at: str
    detail: dict[str, Any]


def audit_log(conn: Conn, *, entry_id: int) -> list[AuditRow]:
    rows = conn.execute(
        "SELECT * FROM watchlist_audit WHERE entry_id = ? ORDER BY id", (entry_id,)
    ).fetchall()
    return [
        AuditRow(r["entry_id"], r["action"], r["actor"], r["at"], json.loads(r["detail_json"]))
        for r in rows
    ]
