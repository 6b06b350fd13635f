"""The durable outbox: an alert is committed here (WAL, synchronous=FULL) before it counts
as raised. An alert the gateway refuses as invalid is set aside in ``dead_letters``; an MQTT
message that failed processing for good is set aside in ``dead_messages``.

An alert raised from a device's event carries a *source key* (gate, seq, the device's own
time): it is stored in ``source_keys`` in the same transaction as the alert, so the same event
delivered again (a crash between the commit and the broker's ack) is found and not raised
twice. Keys are kept 8 days, longer than the broker keeps the edge's session (7 days).

The quota counts real disk use: the database's pages in use (`page_count - freelist_count`,
both O(1)), not payload bytes (on disk a queued alert takes about 1.5x its JSON). The WAL comes
on top, bounded by SQLite's auto-checkpoint (about 4 MB). Nothing on the path of a put grows
with the backlog: the number of queued alerts is a running total kept in ``counters`` in the same
transaction as the rows, and shedding walks the ``outbox_shed`` index from the lowest severity
and oldest, only as far as it must.

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
from anju_edge.metrics import DEAD_LETTERS, OUTBOX_DEPTH, OUTBOX_SHED

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


@migrations()
def m002_source_keys_and_dead_messages(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE source_keys (
            source_key TEXT PRIMARY KEY,
            alert_id TEXT NOT NULL,
            at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX source_keys_at ON source_keys(at)")
    db.execute(
        """CREATE TABLE dead_messages (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            reason TEXT NOT NULL,
            error TEXT NOT NULL
        )"""
    )


@migrations()
def m003_running_totals(db: sqlite_utils.Database) -> None:
    db.execute(
        "INSERT OR REPLACE INTO counters (name, value) SELECT 'queued', COUNT(*) FROM outbox"
    )


SOURCE_KEY_DAYS = 8
_SHED_ROUNDS = 8  # a put sheds in at most this many steps (each re-measures the pages in use)
_PRUNE_EVERY_S = 3600.0


@dataclass(frozen=True, slots=True)
class QueuedAlert:
    id: str
    payload: str


class Outbox(ThreadLocalSQLite):
    def __init__(self, path: Path, max_bytes: int) -> None:
        super().__init__(path)  # synchronous=FULL: power loss must not lose a committed alert
        self.max_bytes = max_bytes
        self.migrate([migrations])
        self._pruned_at = 0.0
        self._refresh_gauge()

    def put(self, alert: Alert) -> list[str]:
        """Commit one alert; returns ids shed to stay within the quota (never the new one
        unless it is itself the lowest and oldest, which a fresh alert cannot be)."""
        with self.write() as conn:
            shed = self._insert(conn, alert)
        self._refresh_gauge()
        return shed

    def put_once(self, alert: Alert, source_key: str) -> str | None:
        """Commit an alert raised from the event ``source_key`` unless that event already
        raised one: then nothing is written and the earlier alert's id is returned."""
        now = time.time()
        with self.write() as conn:
            row = conn.execute(
                "SELECT alert_id FROM source_keys WHERE source_key = ?", (source_key,)
            ).fetchone()
            if row is not None:
                return str(row[0])
            conn.execute(
                "INSERT INTO source_keys (source_key, alert_id, at) VALUES (?, ?, ?)",
                (source_key, alert.id, now),
            )
            self._insert(conn, alert)
            if now - self._pruned_at > _PRUNE_EVERY_S:
                self._pruned_at = now
                conn.execute(
                    "DELETE FROM source_keys WHERE at < ?", (now - SOURCE_KEY_DAYS * 86_400,)
                )
        self._refresh_gauge()
        return None

    def _insert(self, conn: sqlite3.Connection, alert: Alert) -> list[str]:
        payload = alert.model_dump_json()
        added = conn.execute(
            "INSERT OR IGNORE INTO outbox (id, severity_rank, created_at, size, payload) "
            "VALUES (?, ?, ?, ?, ?)",
            (alert.id, SEVERITY_RANK[alert.severity], time.time(), len(payload), payload),
        ).rowcount
        _count(conn, "queued", added)
        shed: list[str] = []
        for _ in range(_SHED_ROUNDS):
            excess = _used_bytes(conn) - self.max_bytes
            if excess <= 0:
                break
            step = self._shed(conn, excess, keep=alert.id)
            if not step:
                break  # nothing left to shed but the new alert itself
            shed.extend(step)
        if shed:
            logger.warning("outbox over quota: shed %d alert(s), lowest severity first", len(shed))
        return shed

    def _shed(self, conn: sqlite3.Connection, excess: int, keep: str) -> list[str]:
        """Deletes the lowest-severity, oldest alerts whose payloads add up to ``excess`` bytes
        (pages hold a little more than the payload, so this frees at least that much)."""
        shed: list[str] = []
        freed = 0
        rows = conn.execute(
            "SELECT id, severity_rank, size FROM outbox INDEXED BY outbox_shed WHERE id != ? "
            "ORDER BY severity_rank ASC, created_at ASC",
            (keep,),
        )
        for alert_id, rank, size in rows:  # the cursor walks the index only as far as needed
            if freed >= excess:
                break
            shed.append(alert_id)
            freed += size
            severity = next(s for s, r in SEVERITY_RANK.items() if r == rank)
            OUTBOX_SHED.labels(severity=severity.value).inc()
        rows.close()
        conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in shed])
        _count(conn, "shed", len(shed))
        _count(conn, "queued", -len(shed))
        return shed

    def used_bytes(self) -> int:
        """Disk the outbox's database uses (pages in use; the WAL not included)."""
        return _used_bytes(self.conn())

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
            gone = 0
            for alert_id in ids:
                gone += conn.execute("DELETE FROM outbox WHERE id = ?", (alert_id,)).rowcount
            _count(conn, "queued", -gone)
        self._refresh_gauge()

    def dead_letter(self, alert_id: str, error: str) -> None:
        with self.write() as conn:
            moved = conn.execute(
                "INSERT OR REPLACE INTO dead_letters (id, created_at, error, payload) "
                "SELECT id, created_at, ?, payload FROM outbox WHERE id = ?",
                (error[:500], alert_id),
            ).rowcount
            gone = conn.execute("DELETE FROM outbox WHERE id = ?", (alert_id,)).rowcount
            _count(conn, "queued", -gone)
            _count(conn, "dead_letters", moved)
        DEAD_LETTERS.labels(reason="gateway_refused").inc(moved)
        self._refresh_gauge()

    def dead_message(self, topic: str, payload: bytes, reason: str, error: str) -> None:
        """Set aside an MQTT message that failed processing for good (and count it)."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO dead_messages (at, topic, payload, reason, error) "
                "VALUES (?, ?, ?, ?, ?)",
                (time.time(), topic[:256], payload, reason, error[:1000]),
            )
            _count(conn, "dead_letters", 1)
        DEAD_LETTERS.labels(reason=reason).inc()

    def dead_messages(self, limit: int = 100) -> list[tuple[str, bytes, str, str]]:
        """The latest messages set aside: (topic, payload, reason, error), newest first."""
        rows = self.conn().execute(
            "SELECT topic, payload, reason, error FROM dead_messages ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [(r[0], bytes(r[1]), r[2], r[3]) for r in rows.fetchall()]

    def dead_letters_total(self) -> int:
        """Alerts the gateway refused plus messages that failed processing, ever."""
        return self._counter("dead_letters")

    def depth(self) -> int:
        """Alerts queued (a running total: COUNT(*) would read the whole table)."""
        return self._counter("queued")

    def oldest_age_s(self) -> float | None:
        row = self.conn().execute("SELECT MIN(created_at) FROM outbox").fetchone()
        return None if row[0] is None else max(0.0, time.time() - row[0])

    def shed_total(self) -> int:
        return self._counter("shed")

    def _counter(self, name: str) -> int:
        row = self.conn().execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def _refresh_gauge(self) -> None:
        OUTBOX_DEPTH.set(self.depth())


def _used_bytes(conn: sqlite3.Connection) -> int:
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    return int((pages - free) * size)


def _count(conn: sqlite3.Connection, name: str, n: int) -> None:
    conn.execute(
        "INSERT INTO counters (name, value) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
        (name, n),
    )


__all__ = ["Outbox", "QueuedAlert"]
