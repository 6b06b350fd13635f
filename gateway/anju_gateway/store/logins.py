"""Failed logins, kept in the database so that every replica throttles the same guesser.

A row per failure and key (``user:<name>@<address>`` and ``addr:<address>``); rows older than the
window are dropped as new ones come. Only failures write: a successful login clears its key in
the same transaction that opens the session.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn

migrations = Migrations("gateway.logins")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE login_failures (
            key TEXT NOT NULL,
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX login_failures_key ON login_failures(key, at)")
    db.execute("CREATE INDEX login_failures_at ON login_failures(at)")


def nth_latest(conn: Conn, *, key: str, since: str, n: int) -> str | None:
    """When the ``n``-th latest failure of ``key`` after ``since`` happened (None: fewer)."""
    row = conn.execute(
        "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
        (key, since, n - 1),
    ).fetchone()
    return None if row is None else str(row[0])


def record(conn: Conn, *, keys: Iterable[str], at: str, forget_before: str) -> None:
    conn.execute("DELETE FROM login_failures WHERE at < ?", (forget_before,))
    conn.executemany("INSERT INTO login_failures (key, at) VALUES (?, ?)", [(k, at) for k in keys])


def clear(conn: Conn, *, key: str) -> None:
    conn.execute("DELETE FROM login_failures WHERE key = ?", (key,))
