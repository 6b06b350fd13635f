"""SQLite access: one connection per thread, WAL, explicit write transactions.

Reads run in autocommit; every read-modify-write runs in ``BEGIN IMMEDIATE`` so concurrent
writers queue on the lock instead of failing with SQLITE_BUSY at commit.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations


def _migration_sets() -> list[Migrations]:
    # Imported here so each resource module owns its own schema; order matters.
    from anju_gateway.store import alerts, compounds, edges, users

    sets = [compounds.migrations, users.migrations, edges.migrations, alerts.migrations]
    from anju_gateway.store import edge_actions, heartbeats, lifecycle, watchlists, webhooks

    return [
        *sets,
        lifecycle.migrations,
        heartbeats.migrations,
        watchlists.migrations,
        webhooks.migrations,
        edge_actions.migrations,
    ]


class Database:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def migrate(self) -> None:
        conn = sqlite3.connect(self.path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            db = sqlite_utils.Database(conn)
            for migrations in _migration_sets():
                migrations.apply(db)
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
