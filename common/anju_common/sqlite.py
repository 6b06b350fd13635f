"""SQLite access shared by the edge's outbox and console store and the gateway's database.

One connection per thread; WAL with ``synchronous=FULL``, because every store here holds
something another party was told is safe (an alert acked to the broker or to an edge, a queued
door-open record), so a commit must survive power loss; reads in autocommit; every
read-modify-write in ``BEGIN IMMEDIATE``: a deferred transaction that upgrades to a writer
fails with SQLITE_BUSY at commit under concurrency, while an immediate one queues on the lock
(``busy_timeout``).
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations


class ThreadLocalSQLite:
    """A database file with one connection per thread."""

    def __init__(
        self,
        path: Path,
        *,
        rows_as_mappings: bool = False,
        foreign_keys: bool = False,
        busy_timeout_ms: int = 10_000,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._rows_as_mappings = rows_as_mappings
        self._foreign_keys = foreign_keys
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def migrate(self, migration_sets: Iterable[Migrations]) -> None:
        """Apply each set's pending migrations, in order, on a connection of their own; two
        processes migrating the same file at once take turns (a lock file beside it)."""
        with (
            open(self.path.with_name(self.path.name + ".migrate-lock"), "a") as lock,
        ):
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._migrate(migration_sets)

    def _migrate(self, migration_sets: Iterable[Migrations]) -> None:
        conn = sqlite3.connect(self.path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            db = sqlite_utils.Database(conn)
            for migrations in migration_sets:
                migrations.apply(db)
        finally:
            conn.close()

    def conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            if self._rows_as_mappings:
                conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            if self._foreign_keys:
                conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection; a later ``conn()`` opens a fresh one."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
