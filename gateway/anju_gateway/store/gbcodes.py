"""Device codes (GB/T 28181-style, 20 digits) of each compound, gate and camera for the
precinct's 视图库: the code the edge config gives (carried by heartbeats with the names) and
an admin's override at the gateway. The effective code is the override, else the edge's.
docs/precinct-link.md, "Device codes".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_contracts import Heartbeat
from anju_gateway.store.db import Conn

migrations = Migrations("gateway.gbcodes")

COMPOUND = "compound"


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE gb_codes (
            compound_id TEXT NOT NULL REFERENCES compounds(id),
            kind TEXT NOT NULL,          -- compound, gate or camera
            source_id TEXT NOT NULL,     -- '' for the compound
            edge_code TEXT,              -- from the edge config, via heartbeats
            override_code TEXT,          -- set by an admin at the gateway
            set_by TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (compound_id, kind, source_id)
        )"""
    )


@dataclass(frozen=True, slots=True)
class DeviceCode:
    compound_id: str
    kind: str
    source_id: str
    edge_code: str | None
    override_code: str | None
    set_by: str | None

    @property
    def effective(self) -> str | None:
        return self.override_code or self.edge_code


def codes_in_beat(beat: Heartbeat) -> list[tuple[str, str, str | None]] | None:
    """(kind, source id, code) of everything a beat codes, or None when the beat carries no
    codes (a beat without names, or from a box whose config codes nothing)."""
    if "compound_gb_code" not in beat.model_fields_set:
        return None
    rows: list[tuple[str, str, str | None]] = [(COMPOUND, "", beat.compound_gb_code)]
    rows += [(d.kind, d.id, d.gb_code) for d in beat.devices]
    return rows


def record_codes(conn: Conn, *, beat: Heartbeat, now: str) -> None:
    """The edge codes of the beat replace the compound's previous ones (a code taken out of
    the config is cleared); overrides stay."""
    rows = codes_in_beat(beat)
    if rows is None:
        return
    conn.execute(
        "UPDATE gb_codes SET edge_code = NULL, updated_at = ? "
        "WHERE compound_id = ? AND edge_code IS NOT NULL",
        (now, beat.compound_id),
    )
    conn.executemany(
        "INSERT INTO gb_codes (compound_id, kind, source_id, edge_code, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(compound_id, kind, source_id) "
        "DO UPDATE SET edge_code = excluded.edge_code, updated_at = excluded.updated_at",
        [(beat.compound_id, kind, sid, code, now) for kind, sid, code in rows if code],
    )


def set_override(
    conn: Conn, *, compound_id: str, kind: str, source_id: str,
    code: str | None, actor: str, now: str,
) -> None:  # fmt: skip
    """Set (or with None clear) the admin's code for one device."""
    conn.execute(
        "INSERT INTO gb_codes (compound_id, kind, source_id, override_code, set_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(compound_id, kind, source_id) DO UPDATE SET "
        "override_code = excluded.override_code, set_by = excluded.set_by, "
        "updated_at = excluded.updated_at",
        (compound_id, kind, source_id, code, actor, now),
    )


def codes_of(conn: Conn, compound_ids: tuple[str, ...]) -> list[DeviceCode]:
    """Every known code of the compounds (rows with neither code left out)."""
    if not compound_ids:
        return []
    marks = ",".join("?" * len(compound_ids))
    rows = conn.execute(
        "SELECT compound_id, kind, source_id, edge_code, override_code, set_by FROM gb_codes "
        f"WHERE compound_id IN ({marks}) AND COALESCE(override_code, edge_code) IS NOT NULL "
        "ORDER BY compound_id, kind != 'compound', kind, source_id",
        compound_ids,
    ).fetchall()
    return [DeviceCode(*r) for r in rows]


def override_of(conn: Conn, *, compound_id: str, kind: str, source_id: str) -> str | None:
    row = conn.execute(
        "SELECT override_code FROM gb_codes WHERE compound_id = ? AND kind = ? AND source_id = ?",
        (compound_id, kind, source_id),
    ).fetchone()
    return row[0] if row else None


def owner_of(conn: Conn, code: str) -> tuple[str, str, str] | None:
    """(compound, kind, source id) whose effective code is ``code``, if any."""
    row = conn.execute(
        "SELECT compound_id, kind, source_id FROM gb_codes "
        "WHERE COALESCE(override_code, edge_code) = ?",
        (code,),
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None
