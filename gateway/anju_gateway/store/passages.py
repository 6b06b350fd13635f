"""Vehicle passage upload (智能卡口): the per-compound switch, and the ids of the passage
records received, each kept once with the sequence number its GA/T 1400 object id is built
from (so a record the edge sends again is recognised and not queued twice).

Only ids are kept here; the record itself lives on as the queued MotorVehicle object
(``viid_objects``). docs/precinct-link.md, "Vehicle passage records".
"""

from __future__ import annotations

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_contracts.common import Strict
from anju_gateway.store.db import Conn

migrations = Migrations("gateway.passages")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE passage_upload (
            compound_id TEXT PRIMARY KEY REFERENCES compounds(id),
            enabled INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE passages_received (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            compound_id TEXT NOT NULL,
            received_at TEXT NOT NULL
        )"""
    )


class PassageSwitch(Strict):
    """A compound's switch, as stored and as the API shows it."""

    compound_id: str
    enabled: bool
    updated_at: str | None
    updated_by: str | None


def set_switch(
    conn: Conn, *, compound_id: str, enabled: bool, actor: str, now: str
) -> PassageSwitch:
    conn.execute(
        "INSERT INTO passage_upload (compound_id, enabled, updated_at, updated_by) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(compound_id) DO UPDATE SET enabled = excluded.enabled, "
        "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        (compound_id, int(enabled), now, actor),
    )
    return get_switch(conn, compound_id=compound_id)


def get_switch(conn: Conn, *, compound_id: str) -> PassageSwitch:
    """The compound's switch; never set: off."""
    row = conn.execute(
        "SELECT enabled, updated_at, updated_by FROM passage_upload WHERE compound_id = ?",
        (compound_id,),
    ).fetchone()
    if row is None:
        return PassageSwitch(
            compound_id=compound_id, enabled=False, updated_at=None, updated_by=None
        )
    return PassageSwitch(
        compound_id=compound_id, enabled=bool(row[0]), updated_at=row[1], updated_by=row[2]
    )


def receive(conn: Conn, *, passage_id: str, compound_id: str, now: str) -> int | None:
    """Keep a passage id once: its sequence number, or None if it was received before."""
    row = conn.execute(
        "INSERT INTO passages_received (id, compound_id, received_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING RETURNING seq",
        (passage_id, compound_id, now),
    ).fetchone()
    return None if row is None else int(row[0])
