"""Vehicle passage records (智能卡口) waiting for the gateway: a small queue of its own.

Only while the compound's passage upload is on (``EdgeSync.passage_upload``, set by an admin at
the gateway) does a plate read at a gate become a record here: plate, time, gate, direction and
the gate's device code — no image, no card number. It is written by the gate worker before the
event is acknowledged to the broker, keyed by the event's source key, so a redelivered event
adds nothing (its key is kept 8 days, after the record has gone); the record's id (a ULID) is
what the gateway keeps once.

Why not the alert outbox: passages are many and worth less than any alert. In a queue of their
own, with their own bound (``MAX_RECORDS``, the oldest dropped first), they can never take an
alert's place in the outbox's quota nor hold up its uplink. docs/delivery.md, "Passage records".
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from anju_common.sqlite import ThreadLocalSQLite
from anju_contracts import PassageRecord
from anju_edge.metrics import PASSAGES

logger = logging.getLogger(__name__)

migrations = Migrations("edge.passages")
MAX_RECORDS = 50_000  # about a week of a busy garage gate; over it the oldest go
KEY_DAYS = 8  # as the outbox's source keys: longer than the broker keeps the session (7 days)
PRUNE_EVERY_S = 3600.0


@migrations()
def m001_create(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE passages (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            payload TEXT NOT NULL,
            created_at REAL NOT NULL
        )"""
    )
    # Outlive the record: an event redelivered after its record was sent adds nothing.
    db.execute("CREATE TABLE passage_keys (source_key TEXT PRIMARY KEY, at REAL NOT NULL)")
    db.execute("CREATE INDEX passage_keys_at ON passage_keys(at)")


class PassageQueue(ThreadLocalSQLite):
    def __init__(self, path: Path, max_records: int = MAX_RECORDS) -> None:
        super().__init__(path)
        self.max_records = max_records
        self._pruned_at = 0.0
        self.migrate([migrations])

    def put(self, record: PassageRecord, source_key: str) -> bool:
        """Keep a record once per source event; False if that event gave one already."""
        now = time.time()
        with self.write() as conn:
            added = conn.execute(
                "INSERT OR IGNORE INTO passage_keys (source_key, at) VALUES (?, ?)",
                (source_key, now),
            ).rowcount
            if added:
                conn.execute(
                    "INSERT INTO passages (id, payload, created_at) VALUES (?, ?, ?)",
                    (record.id, record.model_dump_json(), now),
                )
                if now - self._pruned_at > PRUNE_EVERY_S:
                    self._pruned_at = now
                    conn.execute(
                        "DELETE FROM passage_keys WHERE at < ?", (now - KEY_DAYS * 86_400,)
                    )
                dropped = conn.execute(
                    "DELETE FROM passages WHERE seq <= (SELECT MAX(seq) FROM passages) - ?",
                    (self.max_records,),
                ).rowcount
                PASSAGES.labels(outcome="queued").inc()
                if dropped:
                    PASSAGES.labels(outcome="dropped").inc(dropped)
                    logger.warning("passage queue full: dropped the %d oldest record(s)", dropped)
        return bool(added)

    def batch(self, limit: int) -> list[PassageRecord]:
        rows = self.conn().execute("SELECT payload FROM passages ORDER BY seq LIMIT ?", (limit,))
        return [PassageRecord.model_validate_json(r[0]) for r in rows.fetchall()]

    def ack(self, ids: set[str]) -> None:
        """Forget records the gateway acknowledged (by record id)."""
        if not ids:
            return
        with self.write() as conn:
            sent = sum(
                conn.execute("DELETE FROM passages WHERE id = ?", (i,)).rowcount for i in ids
            )
        PASSAGES.labels(outcome="sent").inc(sent)

    def clear(self) -> int:
        """The switch went off: what waits is not sent."""
        with self.write() as conn:
            dropped = conn.execute("DELETE FROM passages").rowcount
        PASSAGES.labels(outcome="dropped").inc(dropped)
        return dropped

    def depth(self) -> int:
        return int(self.conn().execute("SELECT COUNT(*) FROM passages").fetchone()[0])
