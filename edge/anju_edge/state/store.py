"""The supervision state of the box's devices, kept in ``state.sqlite3``: one row per device,
written (only the rows that changed) once a second by the rules worker, read once at start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from anju_common.sqlite import ThreadLocalSQLite

migrations = Migrations("edge.state")


@migrations()
def m001_create(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE devices (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            state TEXT,
            since REAL NOT NULL,
            last_seen TEXT,
            alerted INTEGER NOT NULL,
            said_online INTEGER NOT NULL,
            never_seen_alerted INTEGER NOT NULL,
            PRIMARY KEY (kind, id)
        )"""
    )


@dataclass(frozen=True, slots=True)
class DeviceSnapshot:
    kind: str
    id: str
    state: str | None  # a DeviceState value; None: never heard of
    since: float  # wall-clock time (epoch seconds) of the last state change
    last_seen: str | None  # ISO time of the last message
    alerted: bool  # device_offline raised for the current outage
    said_online: bool  # has ever published `online` on its status topic
    never_seen_alerted: bool


class DeviceStateStore(ThreadLocalSQLite):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.migrate([migrations])

    def load(self) -> list[DeviceSnapshot]:
        rows = self.conn().execute(
            "SELECT kind, id, state, since, last_seen, alerted, said_online, never_seen_alerted "
            "FROM devices"
        )
        return [
            DeviceSnapshot(r[0], r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6]), bool(r[7]))
            for r in rows.fetchall()
        ]

    def save(self, snapshots: list[DeviceSnapshot]) -> None:
        if not snapshots:
            return
        with self.write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO devices (kind, id, state, since, last_seen, alerted, "
                "said_online, never_seen_alerted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        s.kind,
                        s.id,
                        s.state,
                        s.since,
                        s.last_seen,
                        int(s.alerted),
                        int(s.said_online),
                        int(s.never_seen_alerted),
                    )
                    for s in snapshots
                ],
            )


__all__ = ["DeviceSnapshot", "DeviceStateStore"]
