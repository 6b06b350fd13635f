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


@migrations()
def m004_pass_log_and_visitors(db: sqlite_utils.Database) -> None:
    # The pass log: `ts` is now the corrected time (the gate's clock offset taken out) and sorts
    # the log; `device_ts` is the gate's own. A remote opening is one row from the command to
    # the gate's answer (`command_id` links them, never shown); `actor` and `note` say who and
    # why in words. Earlier rows keep their device time as both.
    for column in ("device_ts", "command_id", "actor", "note"):
        db.execute(f"ALTER TABLE gate_log ADD COLUMN {column} TEXT")
    db.execute("UPDATE gate_log SET device_ts = ts")
    db.execute("UPDATE gate_log SET command_id = detail, detail = '' WHERE type = 'remote_open'")
    db.execute("CREATE INDEX gate_log_command ON gate_log(command_id)")
    # The twice-a-second look for unanswered commands reads only the rows still waiting.
    db.execute("CREATE INDEX gate_log_pending ON gate_log(ts) WHERE result = 'pending'")
    db.execute("ALTER TABLE door_opens ADD COLUMN answered_at TEXT")
    # Visitors: walk-ins (plate ''), the visit's reason, the ID number's last four characters
    # only (the whole number is never stored), and the sign-out.
    for column in ("reason", "id_last4", "signed_out_at", "signed_out_by"):
        default = " NOT NULL DEFAULT ''" if column in ("reason", "id_last4") else ""
        db.execute(f"ALTER TABLE visitors ADD COLUMN {column} TEXT{default}")
    db.execute("CREATE INDEX visitors_created ON visitors(created_at)")
    # Notes on an alert, each kept (the acknowledgement's and any added later).
    db.execute(
        """CREATE TABLE alert_notes (
            id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL, at TEXT NOT NULL,
            username TEXT NOT NULL, note TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX alert_notes_alert ON alert_notes(alert_id)")


@migrations()
def m005_alert_handling(db: sqlite_utils.Database) -> None:
    # Who handles each alert (police, property, both; decided when the box records it, by the
    # precinct's routing from edge sync), when the box saw it (the property's clocks shown at the
    # gate count from then), and the gate's close of a property alert with its reason.
    for column in ("handler", "seen_at", "closed_by", "closed_at", "resolution"):
        db.execute(f"ALTER TABLE alerts ADD COLUMN {column} TEXT")
    db.execute("UPDATE alerts SET seen_at = ts")
    # Every action on an alert is a line of its history (签收, 处理, 物业到场, 关闭), linked to the
    # action queued for the gateway, so a line not yet delivered shows 待上传. Earlier lines were
    # notes.
    db.execute("ALTER TABLE alert_notes ADD COLUMN kind TEXT NOT NULL DEFAULT 'note'")
    db.execute("ALTER TABLE alert_notes ADD COLUMN action_id TEXT")


LOG_COLUMNS = (
    "gate_id, ts, device_ts, type, direction, result, plate, credential_masked, detail, "
    "command_id, actor, note"
)


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
        """One pass-log row (the columns of LOG_COLUMNS); returns its id."""
        names = [c.strip() for c in LOG_COLUMNS.split(",")]
        with self.write() as conn:
            cur = conn.execute(
                f"INSERT INTO gate_log ({LOG_COLUMNS}) "
                f"VALUES ({', '.join(':' + n for n in names)})",
                {n: row.get(n) for n in names},
            )
        return int(cur.lastrowid or 0)

    def log_row(self, row_id: int) -> dict[str, Any] | None:
        rows = self.rows("SELECT * FROM gate_log WHERE id = ?", (row_id,))
        return rows[0] if rows else None

    def answer_command(self, command_id: str, device_ts: str, result: str) -> int | None:
        """The gate answered a command: its log row takes the gate's result. Returns the row's
        id, or None when no row waits for this command (it came from elsewhere)."""
        with self.write() as conn:
            row = conn.execute(
                "SELECT id FROM gate_log WHERE command_id = ?", (command_id,)
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE gate_log SET result = ?, device_ts = ? WHERE id = ?",
                (result, device_ts, row[0]),
            )
            conn.execute(
                "UPDATE door_opens SET outcome = 'opened', answered_at = ? WHERE command_id = ?",
                (device_ts, command_id),
            )
        return int(row[0])

    def expire_commands(self, sent_before: str) -> list[int]:
        """Rows still waiting for the gate's answer since before `sent_before`: now no_answer.
        Runs twice a second: without such rows it only reads (no write to the SD card)."""
        waiting = "SELECT id FROM gate_log WHERE result = 'pending' AND ts < ?"
        if not self.rows(waiting, (sent_before,)):
            return []
        with self.write() as conn:
            ids = [int(r[0]) for r in conn.execute(waiting, (sent_before,)).fetchall()]
            for row_id in ids:
                conn.execute("UPDATE gate_log SET result = 'no_answer' WHERE id = ?", (row_id,))
                conn.execute(
                    "UPDATE door_opens SET outcome = 'no_answer' WHERE outcome = 'sent' AND "
                    "command_id = (SELECT command_id FROM gate_log WHERE id = ?)",
                    (row_id,),
                )
        return ids

    def gate_log(
        self,
        since: str,
        until: str,
        gate: str | None,
        type: str | None,
        q: str | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Newest first by corrected time: rows in [since, until), filtered by gate, type and
        a search text (plate, masked credential, person, note)."""
        sql = "SELECT * FROM gate_log WHERE ts >= ? AND ts < ?"
        params: list[Any] = [since, until]
        if gate:
            sql += " AND gate_id = ?"
            params.append(gate)
        if type:
            sql += " AND type = ?"
            params.append(type)
        if q:
            sql += " AND (plate LIKE ? OR credential_masked LIKE ? OR actor LIKE ? OR note LIKE ?)"
            params += [f"%{q}%"] * 4
        sql += " ORDER BY ts DESC, id DESC LIMIT ?"
        params.append(limit)
        return self.rows(sql, tuple(params))

    # --- alerts seen on this box ---
    def record_alert(self, alert: Alert, handler: str, seen_at: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO alerts (id, ts, kind, severity, source_id, zone, details, "
                "snapshot_b64, handler, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    alert.id,
                    format_ts(alert.ts),
                    alert.kind.value,
                    alert.severity.value,
                    alert.source_id,
                    alert.zone,
                    json.dumps(alert.details, ensure_ascii=False),
                    alert.snapshot_jpeg_b64,
                    handler,
                    seen_at,
                ),
            )

    def annotate_alert(
        self,
        alert_id: str,
        kind: str,
        username: str,
        note: str,
        at: str,
        *,
        action_id: str,
        resolution: str | None = None,
    ) -> None:
        """One line of the alert's history. An acknowledgement also records the first who
        acknowledged, and when; a close who closed it, when and why."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO alert_notes (alert_id, at, username, note, kind, action_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (alert_id, at, username, note, kind, action_id),
            )
            if kind == "acknowledge":
                conn.execute(
                    "UPDATE alerts SET acknowledged_by = COALESCE(acknowledged_by, ?), "
                    "acknowledged_at = COALESCE(acknowledged_at, ?) WHERE id = ?",
                    (username, at, alert_id),
                )
            elif kind == "close":
                conn.execute(
                    "UPDATE alerts SET closed_by = COALESCE(closed_by, ?), "
                    "closed_at = COALESCE(closed_at, ?), resolution = COALESCE(resolution, ?) "
                    "WHERE id = ?",
                    (username, at, resolution, alert_id),
                )
            if note:
                conn.execute("UPDATE alerts SET note = ? WHERE id = ?", (note, alert_id))

    def alert_notes(self, alert_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Every line of these alerts' histories, oldest first; ``pending``: its action still
        waits in the queue for the gateway."""
        notes: dict[str, list[dict[str, Any]]] = {a: [] for a in alert_ids}
        if not alert_ids:
            return notes
        marks = ", ".join("?" * len(alert_ids))
        for r in self.rows(
            "SELECT alert_id, at, username, note, kind, action_id IN "
            "(SELECT action_id FROM outgoing_actions) AS pending "
            f"FROM alert_notes WHERE alert_id IN ({marks}) ORDER BY id",
            tuple(alert_ids),
        ):
            notes[r.pop("alert_id")].append({**r, "pending": bool(r["pending"])})
        return notes

    _ALERT_COLUMNS = (
        "id, ts, kind, severity, source_id, zone, details, acknowledged_by, acknowledged_at, "
        "note, handler, seen_at, closed_by, closed_at, resolution, "
        "snapshot_b64 IS NOT NULL AS has_snapshot"
    )

    def recent_alerts(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.rows(
            f"SELECT {self._ALERT_COLUMNS} FROM alerts ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [{**r, "details": json.loads(r["details"])} for r in rows]

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        rows = self.rows(f"SELECT {self._ALERT_COLUMNS} FROM alerts WHERE id = ?", (alert_id,))
        return {**rows[0], "details": json.loads(rows[0]["details"])} if rows else None

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
        """One pass (every column of `visitors` but the sign-out)."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO visitors (id, name, phone, host_unit, plate, reason, id_last4, "
                "valid_until, created_by, created_at) VALUES (:id, :name, :phone, :host_unit, "
                ":plate, :reason, :id_last4, :valid_until, :created_by, :created_at)",
                row,
            )

    def visitors_on_site(self, at: str) -> list[dict[str, Any]]:
        """Passes valid at `at` and not signed out, newest first."""
        return self.rows(
            "SELECT * FROM visitors WHERE valid_until > ? AND signed_out_at IS NULL "
            "ORDER BY created_at DESC",
            (at,),
        )

    def visitor_history(self, since: str, until: str, limit: int) -> list[dict[str, Any]]:
        """Passes registered in [since, until), newest first."""
        return self.rows(
            "SELECT * FROM visitors WHERE created_at >= ? AND created_at < ? "
            "ORDER BY created_at DESC LIMIT ?",
            (since, until, limit),
        )

    def sign_out_visitor(self, visitor_id: str, username: str, at: str) -> bool:
        """Ends a pass at once; False when there is no such pass or it was signed out."""
        with self.write() as conn:
            cur = conn.execute(
                "UPDATE visitors SET signed_out_at = ?, signed_out_by = ? "
                "WHERE id = ? AND signed_out_at IS NULL",
                (at, username, visitor_id),
            )
        return cur.rowcount == 1

    def valid_pass(self, plate: str, at: str) -> dict[str, Any] | None:
        """The longest-valid pass (id, name, host unit) for a normalised plate at `at`."""
        rows = self.rows(
            "SELECT id, name, host_unit FROM visitors WHERE plate = ? AND valid_until > ? "
            "AND signed_out_at IS NULL ORDER BY valid_until DESC",
            (plate, at),
        )
        return rows[0] if rows else None

    def queued_actions(self) -> int:
        return int(self.conn().execute("SELECT COUNT(*) FROM outgoing_actions").fetchone()[0])

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
