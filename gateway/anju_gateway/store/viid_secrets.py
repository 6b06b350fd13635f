"""Passwords of the precincts' GA/T 1400 upper systems, on PostgreSQL only.

With several replicas a file of one replica is no place for them (the replica that holds the
视图库 link's lease may be another one), so on PostgreSQL they are rows of their own table,
never shown through the API or the CLI; grant it to the gateway's role alone. On SQLite they stay
in the 0600 file beside the database (:mod:`anju_gateway.precinct.viid_secrets`).
"""

from __future__ import annotations

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn

migrations = Migrations("gateway.viid_secrets")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute("CREATE TABLE viid_secrets (precinct_id TEXT PRIMARY KEY, password TEXT NOT NULL)")


def get(conn: Conn, precinct_id: str) -> str | None:
    row = conn.execute(
        "SELECT password FROM viid_secrets WHERE precinct_id = ?", (precinct_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def put(conn: Conn, precinct_id: str, password: str) -> None:
    conn.execute(
        "INSERT INTO viid_secrets (precinct_id, password) VALUES (?, ?) "
        "ON CONFLICT (precinct_id) DO UPDATE SET password = excluded.password",
        (precinct_id, password),
    )
