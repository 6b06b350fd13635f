"""Leases on background jobs: which replica runs the SLA sweeper, the supervision of silent
boxes and the precinct links, so each runs exactly once across replicas.

A lease is a row per job: its holder and when it lapses. Taking or renewing it is one upsert
that succeeds only for the current holder or once the lease has lapsed, inside a write
transaction (serial on both engines), so two replicas never both hold it. A replica that dies
stops renewing; another takes the job when the lease lapses.
"""

from __future__ import annotations

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn

migrations = Migrations("gateway.leases")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE job_leases (
            job TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )"""
    )


def take(conn: Conn, *, job: str, holder: str, now: str, until: str) -> bool:
    """Take or renew ``job``'s lease until ``until``: True if ``holder`` has it now."""
    row = conn.execute(
        "INSERT INTO job_leases (job, holder, expires_at) VALUES (?, ?, ?) "
        "ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, "
        "expires_at = excluded.expires_at "
        "WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= ? "
        "RETURNING holder",
        (job, holder, until, now),
    ).fetchone()
    return row is not None


def give_up(conn: Conn, *, job: str, holder: str) -> None:
    """Let another replica take the job at once (a clean stop)."""
    conn.execute("DELETE FROM job_leases WHERE job = ? AND holder = ?", (job, holder))


def holders(conn: Conn) -> dict[str, tuple[str, str]]:
    """job → (holder, expires_at), for health pages and tests."""
    rows = conn.execute("SELECT job, holder, expires_at FROM job_leases ORDER BY job").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}
