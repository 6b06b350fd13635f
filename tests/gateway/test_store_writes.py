"""A write transaction on both engines: all of it or none of it, and the store usable after one
failed. On PostgreSQL a write runs in pipeline mode (statements sent without waiting for their
results), so what a write reads back, a statement's row count and an error in a statement whose
result nobody read must still surface where SQLite has them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from anju_contracts import utcnow
from anju_contracts.common import format_ts
from anju_gateway.settings import GatewaySettings
from anju_gateway.store.compounds import upsert_compound
from anju_gateway.store.db import Database

INSERT = "INSERT INTO compounds (id, name, precinct_id, created_at) VALUES (?, ?, 'p1', ?)"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    # On PostgreSQL the suite's fixture put this test's database in ANJU_GATEWAY_DATABASE_URL.
    store = GatewaySettings(data_dir=tmp_path).open_database()
    store.migrate()
    with store.write() as conn:
        conn.execute("INSERT INTO precincts (id, name) VALUES ('p1', '一所')")
    yield store
    store.close()


def names(db: Database) -> list[str]:
    return [r[0] for r in db.conn().execute("SELECT name FROM compounds ORDER BY id").fetchall()]


def test_a_write_reads_its_own_rows_and_counts_what_it_changed(db: Database) -> None:
    now = format_ts(utcnow())
    with db.write() as conn:
        conn.execute(INSERT, ("c1", "一号院", now))
        conn.executemany(INSERT, [("c2", "二号院", now), ("c3", "三号院", now)])
        seen = conn.execute("SELECT COUNT(*) FROM compounds").fetchone()[0]
        changed = conn.execute("UPDATE compounds SET name = name || '东' WHERE id != 'c2'").rowcount
    assert (seen, changed) == (3, 2)
    assert names(db) == ["一号院东", "二号院", "三号院东"]


def test_an_exception_in_a_write_keeps_none_of_it(db: Database) -> None:
    now = format_ts(utcnow())
    with pytest.raises(RuntimeError, match="in the middle"), db.write() as conn:
        conn.execute(INSERT, ("c1", "一号院", now))
        raise RuntimeError("in the middle")
    assert names(db) == []
    with db.write() as conn:  # the same thread's connection works again
        upsert_compound(conn, compound_id="c2", name="二号院", precinct_id="p1", now=now)
    assert names(db) == ["二号院"]


def test_a_failed_statement_fails_the_write_and_keeps_none_of_it(db: Database) -> None:
    now = format_ts(utcnow())
    with db.write() as conn:
        conn.execute(INSERT, ("c1", "一号院", now))
    # The duplicate's result is never read: on PostgreSQL its error arrives with the COMMIT.
    with (
        pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)),
        db.write() as conn,
    ):
        conn.execute(INSERT, ("c2", "二号院", now))
        conn.execute(INSERT, ("c1", "又一号院", now))
    assert names(db) == ["一号院"]
    with db.write() as conn:
        conn.execute(INSERT, ("c3", "三号院", now))
    assert names(db) == ["一号院", "三号院"]
