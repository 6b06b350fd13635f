"""The gate console's own SQLite (console.sqlite3): gate log, recent alerts, the queue of
actions for the gateway, door-open audit, visitor passes and login sessions. Every SQL
statement of the console is here. One connection per thread (:mod:`anju_common.sqlite`);
``synchronous=FULL``, because a queued door-open record or action must survive power loss."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from anju_common.sqlite import ThreadLocalSQLite
from anju_contracts import Alert, format_ts

migrations = Migrations("edge.console")


@migrations()
def m001_create(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE gate_log (
            id INTEGER PRIMARY KEY, gate_id TEXT NOT NULL, ts TEXT NOT NULL, type TEXT NOT NULL,
            direction TEXT, result TEXT, plate TEXT, credential_masked TEXT, detail TEXT)"""
    )
    db.execute("CREATE INDEX gate_log_ts ON gate_log(ts)")
    db.execute(
        """CREATE TABLE alerts (
            id TEXT PRIMARY KEY, ts TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
            source_id TEXT NOT NULL, zone TEXT, details TEXT NOT NULL, snapshot_b64 TEXT,
            acknowledged_by TEXT, acknowledged_at TEXT, note TEXT NOT NULL DEFAULT '')"""
    )
    db.execute(
        """CREATE TABLE outgoing_actions (
            action_id TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute(
        """CREATE TABLE door_opens (
            command_id TEXT PRIMARY KEY, gate_id TEXT NOT NULL, username TEXT NOT NULL,
            reason TEXT NOT NULL, at TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE visitors (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, phone TEXT NOT NULL, host_unit TEXT NOT NULL,
            plate TEXT NOT NULL, valid_until TEXT NOT NULL, created_by TEXT NOT NULL,
            created_at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX visitors_plate ON visitors(plate, valid_until)")


@migrations()
def m002_sessions(db: sqlite_utils.Database) -> None:
    # Only a digest of the cookie is kept: a copy of this file opens no session.
    db.execute(
        """CREATE TABLE sessions (
            token_sha256 TEXT PRIMARY KEY, username TEXT NOT NULL, account TEXT NOT NULL,
            expires REAL NOT NULL)"""
    )


@migrations()
def m003_refused_door_opens(db: sqlite_utils.Database) -> None:
    # Refused openings (the rate limit) are audited too; earlier rows were all sent.
    db.execute("ALTER TABLE door_opens ADD COLUMN outcome TEXT NOT NULL DEFAULT 'sent'")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def account_fingerprint(password_hash: str) -> str:
    """Changes when the account's password is reset at the gateway, ending its sessions."""
    return _digest(password_hash)[:32]


class ConsoleStore(ThreadLocalSQLite):
    def __init__(self, path: Path) -> None:
        super().__init__(path, rows_as_mappings=True)
        self.migrate([migrations])

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn().execute(sql, params).fetchall()]

    # --- the gate log ---
    def record_gate_event(self, row: dict[str, Any]) -> int:
        """One gate event (columns of `gate_log` but the id); returns its id."""
        with self.write() as conn:
            cur = conn.execute(
                "INSERT INTO gate_log (gate_id, ts, type, direction, result, plate, "
                "credential_masked, detail) VALUES (:gate_id, :ts, :type, :direction, :result, "
                ":plate, :credential_masked, :detail)",
                row,
            )
        return int(cur.lastrowid or 0)

    def gate_log(
        self, since: str, gate: str | None, type: str | None, q: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """Newest first: events since `since`, filtered by gate, type and a search text."""
        sql = "SELECT * FROM gate_log WHERE ts >= ?"
        params: list[Any] = [since]
        if gate:
            sql += " AND gate_id = ?"
            params.append(gate)
        if type:
            sql += " AND type = ?"
            params.append(type)
        if q:
            sql += " AND (plate LIKE ? OR credential_masked LIKE ? OR detail LIKE ?)"
            params += [f"%{q}%"] * 3
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return self.rows(sql, tuple(params))

    # --- alerts seen on this box ---
    def record_alert(self, alert: Alert) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO alerts (id, ts, kind, severity, source_id, zone, details, "
                "snapshot_b64) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    alert.id,
                    format_ts(alert.ts),
                    alert.kind.value,
                    alert.severity.value,
                    alert.source_id,
                    alert.zone,
                    json.dumps(alert.details, ensure_ascii=False),
                    alert.snapshot_jpeg_b64,
                ),
            )

    def annotate_alert(
        self, alert_id: str, acknowledge: bool, username: str, note: str, at: str
    ) -> None:
        """Set the note; an acknowledgement also records the first who acknowledged, and when."""
        with self.write() as conn:
            if acknowledge:
                conn.execute(
                    "UPDATE alerts SET acknowledged_by = COALESCE(acknowledged_by, ?), "
                    "acknowledged_at = COALESCE(acknowledged_at, ?), note = ? WHERE id = ?",
                    (username, at, note, alert_id),
                )
            else:
                conn.execute("UPDATE alerts SET note = ? WHERE id = ?", (note, alert_id))

    def recent_alerts(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.rows(
            "SELECT id, ts, kind, severity, source_id, zone, details, acknowledged_by, "
            "acknowledged_at, note, snapshot_b64 IS NOT NULL AS has_snapshot FROM alerts "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [{**r, "details": json.loads(r["details"])} for r in rows]

    def has_alert(self, alert_id: str) -> bool:
        return bool(self.rows("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)))

    def snapshot_b64(self, alert_id: str) -> str | None:
        rows = self.rows("SELECT snapshot_b64 FROM alerts WHERE id = ?", (alert_id,))
        return rows[0]["snapshot_b64"] if rows else None

    # --- remote door openings (the audit) and visitor passes ---
    def record_door_open(
        self,
        command_id: str,
        gate_id: str,
        username: str,
        reason: str,
        at: str,
        outcome: str = "sent",
    ) -> None:
        """The audit of remote openings: ``sent``, or why it was refused (``rate_limited``)."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO door_opens (command_id, gate_id, username, reason, at, outcome) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (command_id, gate_id, username, reason, at, outcome),
            )

    def add_visitor(self, row: dict[str, str]) -> None:
        """One pass (every column of `visitors`)."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO visitors (id, name, phone, host_unit, plate, valid_until, "
                "created_by, created_at) VALUES (:id, :name, :phone, :host_unit, :plate, "
                ":valid_until, :created_by, :created_at)",
                row,
            )

    def visitors_valid_after(self, at: str) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT * FROM visitors WHERE valid_until > ? ORDER BY created_at DESC", (at,)
        )

    def valid_pass(self, plate: str, at: str) -> str | None:
        """The id of the longest-valid pass for a normalised plate at `at`, or None."""
        rows = self.rows(
            "SELECT id FROM visitors WHERE plate = ? AND valid_until > ? ORDER BY valid_until DESC",
            (plate, at),
        )
        return str(rows[0]["id"]) if rows else None

    # --- outgoing actions: durable until the gateway acknowledged them ---
    def queue_action(self, action_id: str, payload: str, now: float) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO outgoing_actions (action_id, payload, created_at) "
                "VALUES (?, ?, ?)",
                (action_id, payload, now),
            )

    def pending_actions(self, limit: int = 50) -> list[tuple[str, str]]:
        rows = (
            self.conn()
            .execute(
                "SELECT action_id, payload FROM outgoing_actions ORDER BY created_at LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [(r[0], r[1]) for r in rows]

    def action_done(self, action_id: str) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM outgoing_actions WHERE action_id = ?", (action_id,))

    # --- login sessions: kept across restarts of the box, ended with the account ---
    def create_session(self, token: str, username: str, account: str, expires: float) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            conn.execute(
                "INSERT INTO sessions (token_sha256, username, account, expires) "
                "VALUES (?, ?, ?, ?)",
                (_digest(token), username, account, expires),
            )

    def session(self, token: str, now: float) -> dict[str, Any] | None:
        row = (
            self.conn()
            .execute(
                "SELECT username, account, expires FROM sessions "
                "WHERE token_sha256 = ? AND expires >= ?",
                (_digest(token), now),
            )
            .fetchone()
        )
        return dict(row) if row is not None else None

    def end_session(self, token: str) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM sessions WHERE token_sha256 = ?", (_digest(token),))
