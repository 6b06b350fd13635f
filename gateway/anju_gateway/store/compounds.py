"""Precincts and the compounds they cover."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn
from anju_gateway.store.names import COMPOUND_NAME_SQL

migrations = Migrations("gateway.compounds")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute("CREATE TABLE precincts (id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '')")
    db.execute(
        """CREATE TABLE compounds (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            precinct_id TEXT NOT NULL REFERENCES precincts(id),
            created_at TEXT NOT NULL
        )"""
    )


@dataclass(frozen=True, slots=True)
class Compound:
    id: str
    name: str
    precinct_id: str


def upsert_precinct(conn: Conn, *, precinct_id: str, name: str = "") -> None:
    conn.execute(
        "INSERT INTO precincts (id, name) VALUES (?, ?) "
        "ON CONFLICT(id) DO UPDATE SET name = CASE WHEN excluded.name != '' "
        "THEN excluded.name ELSE precincts.name END",
        (precinct_id, name),
    )


def upsert_compound(conn: Conn, *, compound_id: str, name: str, precinct_id: str, now: str) -> None:
    upsert_precinct(conn, precinct_id=precinct_id)
    conn.execute(
        "INSERT INTO compounds (id, name, precinct_id, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, precinct_id = excluded.precinct_id",
        (compound_id, name, precinct_id, now),
    )


def get_compound(conn: Conn, *, compound_id: str) -> Compound | None:
    row = conn.execute(
        "SELECT id, name, precinct_id FROM compounds WHERE id = ?", (compound_id,)
    ).fetchone()
    return Compound(row["id"], row["name"], row["precinct_id"]) if row else None


def list_compounds(conn: Conn) -> list[Compound]:
    rows = conn.execute("SELECT id, name, precinct_id FROM compounds ORDER BY id").fetchall()
    return [Compound(r["id"], r["name"], r["precinct_id"]) for r in rows]


def precinct_exists(conn: Conn, *, precinct_id: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM precincts WHERE id = ?", (precinct_id,)).fetchone() is not None
    )


def compound_ids_in_precinct(conn: Conn, *, precinct_id: str) -> tuple[str, ...]:
    rows = conn.execute("SELECT id FROM compounds WHERE precinct_id = ?", (precinct_id,))
    return tuple(r[0] for r in rows.fetchall())


def display_names(conn: Conn) -> dict[str, str]:
    """Compound id -> the name its boxes send (store/names.py), else the name it was created
    with, else its id: the names the console shows."""
    rows = conn.execute(f"SELECT c.id, {COMPOUND_NAME_SQL} FROM compounds c").fetchall()
    return {r[0]: r[1] for r in rows}


def precinct_name(conn: Conn, *, precinct_id: str) -> str:
    """The precinct's name, or its id when it has none (or is not known)."""
    row = conn.execute("SELECT name FROM precincts WHERE id = ?", (precinct_id,)).fetchone()
    return row[0] if row is not None and row[0] else precinct_id


@dataclass(frozen=True, slots=True)
class Precinct:
    id: str
    name: str


def list_precincts(conn: Conn) -> list[Precinct]:
    rows = conn.execute("SELECT id, name FROM precincts ORDER BY id").fetchall()
    return [Precinct(r["id"], r["name"]) for r in rows]
