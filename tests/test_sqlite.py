"""anju_common.sqlite: per-thread connections, write transactions that commit or roll back
whole, and concurrent read-modify-write from many threads without SQLITE_BUSY or lost updates."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from sqlite_utils.migrations import Migrations

from anju_common.sqlite import ThreadLocalSQLite

migrations = Migrations("test.counter")


@migrations()
def m001(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute("INSERT INTO counter VALUES ('hits', 0)")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[ThreadLocalSQLite]:
    store = ThreadLocalSQLite(tmp_path / "nested" / "t.sqlite3", rows_as_mappings=True)
    store.migrate([migrations])
    yield store
    store.close()


def hits(store: ThreadLocalSQLite) -> int:
    return int(store.conn().execute("SELECT value FROM counter").fetchone()["value"])


def test_migrations_apply_once_and_pragmas_hold(db: ThreadLocalSQLite) -> None:
    db.migrate([migrations])  # a second run is a no-op, not a "table exists" error
    conn = db.conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert hits(db) == 0


def test_each_thread_gets_its_own_connection(db: ThreadLocalSQLite) -> None:
    seen: list[sqlite3.Connection] = []
    t = threading.Thread(target=lambda: seen.append(db.conn()))
    t.start()
    t.join()
    assert seen[0] is not db.conn()
    assert db.conn() is db.conn()


def test_a_failing_write_rolls_back_everything(db: ThreadLocalSQLite) -> None:
    with pytest.raises(RuntimeError), db.write() as conn:
        conn.execute("UPDATE counter SET value = 41")
        raise RuntimeError("boom")
    assert hits(db) == 0
    with db.write() as conn:
        conn.execute("UPDATE counter SET value = value + 1")
    assert hits(db) == 1


def test_concurrent_read_modify_write_loses_nothing(db: ThreadLocalSQLite) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                with db.write() as conn:
                    value = conn.execute("SELECT value FROM counter").fetchone()[0]
                    conn.execute("UPDATE counter SET value = ?", (value + 1,))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert hits(db) == 400


def test_close_closes_every_thread_and_reopens_on_use(db: ThreadLocalSQLite) -> None:
    other: list[sqlite3.Connection] = []
    t = threading.Thread(target=lambda: other.append(db.conn()))
    t.start()
    t.join()
    mine = db.conn()
    db.close()
    for conn in (mine, other[0]):
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")
    assert hits(db) == 0  # a fresh connection
