"""The durable outbox: an alert is committed here (WAL, synchronous=FULL) before it counts
as raised. An alert the gateway refuses as invalid is set aside in ``dead_letters``.

Connections come from :mod:`anju_common.sqlite`: one per thread, and every read-modify-write under
BEGIN IMMEDIATE, because deferred transactions that upgrade to writers fail with SQLITE_BUSY
under concurrency.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from anju_common.sqlite import ThreadLocalSQLite
from anju_contracts import Alert
from anju_contracts.alert import SEVERITY_RANK
from anju_edge.metrics import OUTBOX_DEPTH, OUTBOX_SHED

logger = logging.getLogger(__name__)

migrations = Migrations("edge.outbox")


@migrations()
def m001_create(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE outbox (
            id TEXT PRIMARY KEY,
            severity_rank INTEGER NOT NULL,
            created_at REAL NOT NULL,
            size INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,  -- unused, kept for existing outbox files
            payload TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX outbox_shed ON outbox(severity_rank, created_at)")
    db.execute(
        """CREATE TABLE dead_letters (
            id TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            error TEXT NOT NULL,
            payload TEXT NOT NULL
        )"""
    )
    db.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")


@dataclass(frozen=True, slots=True)
class QueuedAlert:
    id: str
    payload: str


class Outbox(ThreadLocalSQLite):
    def __init__(self, path: Path, max_bytes: int) -> None:
        super().__init__(path)  # synchronous=FULL: power loss must not lose a committed alert
        self.max_bytes = max_bytes
        self.migrate([migrations])
        self._refresh_gauge()

    def put(self, alert: Alert) -> list[str]:
        """Commit one alert; returns ids shed to stay within the quota (never the new one
        unless it is itself the lowest and oldest, which a fresh alert cannot be)."""
        payload = alert.model_dump_json()
        size = len(payload)
        rank = SEVERITY_RANK[alert.severity]
        shed: list[str] = []
        with self.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO outbox (id, severity_rank, created_at, size, payload) "
                "VALUES (?, ?, ?, ?, ?)",
                (alert.id, rank, time.time(), size, payload),
            )
            total = conn.execute("SELECT COALESCE(SUM(size), 0) FROM outbox").fetchone()[0]
            if total > self.max_bytes:
                shed = self._shed(conn, total - self.max_bytes, keep=alert.id)
        self._refresh_gauge()
        return shed

    def _shed(self, conn: sqlite3.Connection, excess: int, keep: str) -> list[str]:
        shed: list[str] = []
        freed = 0
        rows = conn.execute(
            "SELECT id, severity_rank, size FROM outbox WHERE id != ? "
            "ORDER BY severity_rank ASC, created_at ASC",
            (keep,),
        )
        for alert_id, rank, size in rows.fetchall():
            if freed >= excess:
                break
            shed.append(alert_id)
            freed += size
            severity = next(s for s, r in SEVERITY_RANK.items() if r == rank)
            OUTBOX_SHED.labels(severity=severity.value).inc()
        conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in shed])
        conn.execute(
            "INSERT INTO counters (name, value) VALUES ('shed', ?) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            (len(shed),),
        )
        if shed:
            logger.warning("outbox over quota: shed %d alert(s), lowest severity first", len(shed))
        return shed

    def batch(self, limit: int) -> list[QueuedAlert]:
        """The next alerts to send: highest severity first, then oldest."""
        rows = self.conn().execute(
            "SELECT id, payload FROM outbox ORDER BY severity_rank DESC, created_at ASC LIMIT ?",
            (limit,),
        )
        return [QueuedAlert(r[0], r[1]) for r in rows.fetchall()]

    def ack(self, ids: list[str]) -> None:
        if not ids:
            return
        with self.write() as conn:
            conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])
        self._refresh_gauge()

    def dead_letter(self, alert_id: str, error: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO dead_letters (id, created_at, error, payload) "
                "SELECT id, created_at, ?, payload FROM outbox WHERE id = ?",
                (error[:500], alert_id),
            )
            conn.execute("DELETE FROM outbox WHERE id = ?", (alert_id,))
        self._refresh_gauge()

    def depth(self) -> int:
        return int(self.conn().execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def oldest_age_s(self) -> float | None:
        row = self.conn().execute("SELECT MIN(created_at) FROM outbox").fetchone()
        return None if row[0] is None else max(0.0, time.time() - row[0])

    def shed_total(self) -> int:
        row = self.conn().execute("SELECT value FROM counters WHERE name = 'shed'").fetchone()
        return int(row[0]) if row else 0

    def _refresh_gauge(self) -> None:
        OUTBOX_DEPTH.set(self.depth())


__all__ = ["Outbox", "QueuedAlert"]
