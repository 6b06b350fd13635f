"""Edge boxes: one-time enrolment codes and the device tokens they are traded for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn

migrations = Migrations("gateway.edges")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE enrol_codes (
            code_hash TEXT PRIMARY KEY,
            compound_id TEXT NOT NULL REFERENCES compounds(id),
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            used_by_edge TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE edges (
            id TEXT PRIMARY KEY,
            compound_id TEXT NOT NULL REFERENCES compounds(id),
            hostname TEXT NOT NULL DEFAULT '',
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            last_seen_at TEXT
        )"""
    )
    db.execute("CREATE INDEX edges_compound ON edges(compound_id)")


@dataclass(frozen=True, slots=True)
class Edge:
    id: str
    compound_id: str
    hostname: str


class EnrolError(Exception):
    """The code is unknown, expired or already used (the message says which)."""


def create_enrol_code(
    conn: Conn,
    *,
    code_hash: str,
    compound_id: str,
    created_by: str,
    now: str,
    expires_at: str,
) -> None:
    conn.execute(
        "INSERT INTO enrol_codes (code_hash, compound_id, created_by, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (code_hash, compound_id, created_by, now, expires_at),
    )


def redeem_enrol_code(
    conn: Conn,
    *,
    code_hash: str,
    edge_id: str,
    token_hash: str,
    hostname: str,
    now: str,
) -> Edge:
    """Use a code once; call inside a write transaction so two redeemers cannot both win."""
    row = conn.execute("SELECT * FROM enrol_codes WHERE code_hash = ?", (code_hash,)).fetchone()
    if row is None:
        raise EnrolError("unknown enrolment code")
    if row["used_at"] is not None:
        raise EnrolError("enrolment code already used")
    if row["expires_at"] <= now:
        raise EnrolError("enrolment code expired")
    conn.execute(
        "UPDATE enrol_codes SET used_at = ?, used_by_edge = ? WHERE code_hash = ?",
        (now, edge_id, code_hash),
    )
    conn.execute(
        "INSERT INTO edges (id, compound_id, hostname, token_hash, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (edge_id, row["compound_id"], hostname, token_hash, now),
    )
    return Edge(edge_id, row["compound_id"], hostname)


def edge_for_token(conn: Conn, *, token_hash: str) -> Edge | None:
    row = conn.execute(
        "SELECT id, compound_id, hostname FROM edges WHERE token_hash = ? AND revoked_at IS NULL",
        (token_hash,),
    ).fetchone()
    return Edge(row["id"], row["compound_id"], row["hostname"]) if row else None


def revoke_edge(conn: Conn, *, edge_id: str, now: str) -> bool:
    cur = conn.execute(
        "UPDATE edges SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, edge_id)
    )
    return cur.rowcount > 0


def touch_edge(conn: Conn, *, edge_id: str, now: str) -> None:
    conn.execute("UPDATE edges SET last_seen_at = ? WHERE id = ?", (now, edge_id))


@dataclass(frozen=True, slots=True)
class EdgeRow:
    id: str
    compound_id: str
    hostname: str
    created_at: str
    last_seen_at: str | None
    revoked_at: str | None


def list_edges(conn: Conn, *, compound_id: str | None = None) -> list[EdgeRow]:
    sql = "SELECT id, compound_id, hostname, created_at, last_seen_at, revoked_at FROM edges"
    params: tuple[str, ...] = ()
    if compound_id is not None:
        sql += " WHERE compound_id = ?"
        params = (compound_id,)
    rows = conn.execute(sql + " ORDER BY compound_id, created_at", params).fetchall()
    return [EdgeRow(*r) for r in rows]
