"""Dispositions (布控) received from a precinct's GA/T 1400 upper system, each tied to the
watch-list entry it became (none for a face disposition: nothing can match it yet)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn, Row

migrations = Migrations("gateway.viid_dispositions")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE viid_dispositions (
            precinct_id TEXT NOT NULL,
            disposition_id TEXT NOT NULL,
            category INTEGER NOT NULL,
            target TEXT NOT NULL,
            title TEXT NOT NULL,
            reason TEXT NOT NULL,
            begin_at TEXT NOT NULL,
            end_at TEXT NOT NULL,
            watch_entry_id INTEGER,
            state TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (precinct_id, disposition_id)
        )"""
    )


@dataclass(frozen=True, slots=True)
class Disposition:
    precinct_id: str
    disposition_id: str
    category: int
    target: str
    title: str
    reason: str
    begin_at: str
    end_at: str
    watch_entry_id: int | None
    state: str  # active | revoked | stored (face: kept, not matched)
    received_at: str


def _row(r: Row) -> Disposition:
    return Disposition(**{k: r[k] for k in r.keys()})  # noqa: SIM118


def put_disposition(conn: Conn, d: Disposition) -> None:
    conn.execute(
        "INSERT INTO viid_dispositions (precinct_id, disposition_id, category, "
        "target, title, reason, begin_at, end_at, watch_entry_id, state, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (precinct_id, disposition_id) "
        "DO UPDATE SET category = excluded.category, target = excluded.target, "
        "title = excluded.title, reason = excluded.reason, begin_at = excluded.begin_at, "
        "end_at = excluded.end_at, watch_entry_id = excluded.watch_entry_id, "
        "state = excluded.state, received_at = excluded.received_at",
        (d.precinct_id, d.disposition_id, d.category, d.target, d.title, d.reason, d.begin_at,
         d.end_at, d.watch_entry_id, d.state, d.received_at),
    )  # fmt: skip


def get_disposition(conn: Conn, *, precinct_id: str, disposition_id: str) -> Disposition | None:
    r = conn.execute(
        "SELECT * FROM viid_dispositions WHERE precinct_id = ? AND disposition_id = ?",
        (precinct_id, disposition_id),
    ).fetchone()
    return _row(r) if r else None


def set_state(conn: Conn, *, precinct_id: str, disposition_id: str, state: str) -> None:
    conn.execute(
        "UPDATE viid_dispositions SET state = ? WHERE precinct_id = ? AND disposition_id = ?",
        (state, precinct_id, disposition_id),
    )


def active_for(conn: Conn, *, precinct_id: str, target: str, now: str) -> Disposition | None:
    """The active disposition of this precinct on this plate, within its window at ``now``."""
    r = conn.execute(
        "SELECT * FROM viid_dispositions WHERE precinct_id = ? AND target = ? "
        "AND state = 'active' AND begin_at <= ? AND end_at > ? ORDER BY received_at DESC",
        (precinct_id, target, now, now),
    ).fetchone()
    return _row(r) if r else None
