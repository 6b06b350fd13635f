"""The gate console's own SQLite (console.sqlite3): gate log, recent alerts, the queue of
actions for the gateway, door-open audit and visitor passes. One connection per thread
(:mod:`anju_common.sqlite`)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from anju_common.sqlite import ThreadLocalSQLite

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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def account_fingerprint(password_hash: str) -> str:
    """Changes when the account's password is reset at the gateway, ending its sessions."""
    return _digest(password_hash)[:32]


class ConsoleStore(ThreadLocalSQLite):
    def __init__(self, path: Path) -> None:
        # FULL: a queued door-open record or action must survive power loss.
        super().__init__(path, rows_as_mappings=True)
        self.migrate([migrations])

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn().execute(sql, params).fetchall()]

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

    def alert_details(self, row: dict[str, Any]) -> dict[str, Any]:
        out = dict(row)
        out["details"] = json.loads(row["details"])
        return out
