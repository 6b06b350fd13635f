"""PostgreSQL for the gateway's store: the same queries as SQLite, through psycopg 3.

Decisions (measured and explained in docs/architecture.md):

- **Queries written once.** The store's SQL is the dialect both engines share; the few words that
  differ are translated here, once per statement text (cached): ``?`` placeholders become
  psycopg's ``%s`` and DDL types become PostgreSQL's (``INTEGER`` → ``BIGINT``, ``REAL`` →
  ``DOUBLE PRECISION``, ``BLOB`` → ``BYTEA``, ``INTEGER PRIMARY KEY AUTOINCREMENT`` →
  ``BIGSERIAL PRIMARY KEY``, text columns ``COLLATE "C"`` so timestamps and ids sort byte-wise
  as in SQLite). ``alerts`` gets an explicit ``rowid BIGSERIAL`` column: the webhook and 视图库
  cursors walk alerts in insertion order by it, as SQLite's implicit rowid.
- **Client-side binding** (``ClientCursor``): parameters are quoted into the statement, so an
  untyped ``NULL`` or a Python ``bool`` in an integer column reads as it does in SQLite.
- **Writers are serial**, as in SQLite: ``write()`` opens a transaction and takes one
  transaction-scoped advisory lock before its first statement. Every read-modify-write of the
  store (state transitions, sweeps, cursors, ingest) stays correct across replicas without
  per-query locking, and alerts take their ``rowid`` in commit order, so a cursor never skips an
  alert committed late. Reads run in autocommit, in parallel, from any replica. A write runs in
  pipeline mode, so the lock is held for the round trips of the reads it needs and its COMMIT,
  not one per statement.
- **A bounded pool** (psycopg_pool): each thread borrows one connection for its life and hands
  it back when the thread ends; a broken connection (the server restarted) is dropped and the
  next call takes a fresh one. Waiting for a connection, connecting and each statement have
  timeouts; an unavailable database surfaces as :class:`psycopg.OperationalError` or
  :class:`psycopg_pool.PoolTimeout`, which the API answers 503.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.adapt import Dumper
from psycopg.rows import RowMaker
from psycopg_pool import ConnectionPool
from sqlite_utils.migrations import Migrations

from anju_contracts import utcnow
from anju_contracts.common import format_ts

log = logging.getLogger(__name__)

WRITE_LOCK = 0x616E6A75_0001  # "anju" + 1: held by every write transaction
MIGRATE_LOCK = 0x616E6A75_0002  # session lock held while migrations run


def masked(url: str) -> str:
    """The URL without its password, for logs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class PgRow(tuple[Any, ...]):
    """A row that answers by column name and by position, like ``sqlite3.Row``."""

    _index: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: psycopg.Cursor[Any]) -> RowMaker[PgRow]:
    return _row_class(tuple(d.name for d in cursor.description or ()))


@functools.lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> RowMaker[PgRow]:
    """A row class per column list (made once: a class per query was measurable per request)."""
    index = {name: i for i, name in enumerate(names)}
    cls = type("Row", (PgRow,), {"_index": index, "__slots__": ()})

    def make(values: Sequence[Any]) -> PgRow:
        return cls(values)  # type: ignore[no-any-return]

    return make


class _BoolAsInt(Dumper):
    """SQLite has no booleans: the store keeps flags as 0/1 integers on both engines."""

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"

    def quote(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|%")


def _placeholder(m: re.Match[str]) -> str:
    text = m.group()
    if text == "?":
        return "%s"
    return text.replace("%", "%%")  # a literal percent, inside a string or not


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """A statement of the shared dialect in psycopg's form (``?`` → ``%s``, ``%`` → ``%%``)."""
    return _PLACEHOLDER.sub(_placeholder, sql)


_DDL_RULES = [
    (re.compile(r"\bINTEGER PRIMARY KEY( AUTOINCREMENT)?\b", re.I), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
    (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
    (re.compile(r"\bTEXT\b", re.I), 'TEXT COLLATE "C"'),
]


def translate_ddl(sql: str) -> str:
    """A ``CREATE TABLE`` / ``ALTER TABLE`` of the store's SQLite schema in PostgreSQL's words."""
    head = sql.lstrip()[:40].upper()
    if not (head.startswith("CREATE TABLE") or head.startswith("ALTER TABLE")):
        return sql
    for pattern, replacement in _DDL_RULES:
        sql = pattern.sub(replacement, sql)
    # SQLite's implicit rowid, made explicit: the cursors walk alerts by it.
    return re.sub(
        r"^(\s*CREATE TABLE alerts\s*\()", r"\1rowid BIGSERIAL UNIQUE, ", sql, count=1, flags=re.I
    )


class PgCursor:
    """The part of a DB-API cursor the store uses, over a psycopg cursor."""

    def __init__(self, cur: psycopg.Cursor[PgRow], pipeline: psycopg.Pipeline | None) -> None:
        self._cur = cur
        self._pipeline = pipeline

    def _ready(self) -> None:
        """In a write's pipeline, results arrive when asked for: this one is asked for now."""
        if self._pipeline is not None and self._cur.pgresult is None:
            self._pipeline.sync()

    @property
    def rowcount(self) -> int:
        self._ready()
        return self._cur.rowcount

    def fetchone(self) -> Any:
        self._ready()
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list[Any]:
        self._ready()
        return self._cur.fetchall() if self._cur.description else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConn:
    """One pooled connection with sqlite3's ``execute``/``executemany`` shape."""

    def __init__(self, raw: psycopg.Connection[PgRow]) -> None:
        self.raw = raw
        # Set while a write runs: its statements are sent without waiting for their results.
        self.pipeline: psycopg.Pipeline | None = None

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> PgCursor:
        cur = psycopg.ClientCursor(self.raw, row_factory=_row_factory)
        cur.execute(translate(sql), tuple(parameters))
        return PgCursor(cur, self.pipeline)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> PgCursor:
        # psycopg sends the rows in one go (pipeline mode), converts the statement once and,
        # bound on the server, has PostgreSQL prepare it once per connection. Measured per
        # 20-row batch: 0.8 ms of client CPU and little of the server's, against 1.0 ms and
        # half a millisecond of parsing (client-side binding) or twice that (one multi-row
        # VALUES statement: a new text per batch size, too long for psycopg's cache). The
        # statements are plain INSERTs and UPDATEs of typed columns, so a parameter's type
        # comes from its column, as in SQLite.
        cur = psycopg.Cursor(self.raw, row_factory=_row_factory)
        cur.executemany(translate(sql), [tuple(p) for p in parameters])
        return PgCursor(cur, self.pipeline)


class _Borrowed:
    """A thread's connection; handed back to the pool when the thread ends (or on close)."""

    def __init__(self, pool: ConnectionPool[Any], raw: psycopg.Connection[Any]) -> None:
        self.pool = pool
        self.conn = PgConn(raw)

    def give_back(self) -> None:
        if self.conn is None:
            return
        raw, self.conn = self.conn.raw, None  # type: ignore[assignment]
        try:
            self.pool.putconn(raw)
        except Exception:  # the pool is closed: the connection goes with it
            raw.close()

    def __del__(self) -> None:
        self.give_back()


def _roll_back(raw: psycopg.Connection[Any], pipeline: psycopg.Pipeline) -> None:
    """End a write that failed: collect what is still queued (its errors are the one already
    raised, or follow from it), then roll back, so the connection is usable again. A broken
    connection is left for the pool to replace."""
    for statement in (None, "ROLLBACK"):
        try:
            if statement is not None:
                raw.execute(statement)
            pipeline.sync()
        except psycopg.Error:
            pass


class _MigrationDb:
    """What the store's migration functions use of ``sqlite_utils.Database``, on PostgreSQL."""

    def __init__(self, conn: PgConn) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> PgCursor:
        return self._conn.execute(translate_ddl(sql), parameters)

    def __getitem__(self, table: str) -> _MigrationTable:
        return _MigrationTable(self._conn, table)

    def table(self, table: str) -> _MigrationTable:
        return _MigrationTable(self._conn, table)


class _MigrationTable:
    def __init__(self, conn: PgConn, name: str) -> None:
        self._conn = conn
        self.name = name

    @property
    def columns_dict(self) -> dict[str, str]:
        rows = self._conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ?",
            (self.name,),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def transform(self, *, not_null: dict[str, bool]) -> None:
        for column, required in not_null.items():
            change = "SET NOT NULL" if required else "DROP NOT NULL"
            self._conn.execute(f'ALTER TABLE {self.name} ALTER COLUMN "{column}" {change}')


class PostgresDatabase:
    """The gateway's database on a PostgreSQL server, shared by every replica."""

    engine = "postgresql"

    def __init__(self, url: str, *, pool_max: int = 20, timeout_s: float = 10.0) -> None:
        # A plain postgresql:// URL as the operator writes it; psycopg takes it as a conninfo.
        self.url = url
        self.timeout_s = timeout_s
        self.pool_max = pool_max
        self._local = threading.local()
        self._lock = threading.Lock()
        self._pool_: ConnectionPool[Any] | None = None

    @property
    def _pool(self) -> ConnectionPool[Any]:
        """The pool, opened on first use (and again after ``close()``)."""
        with self._lock:
            if self._pool_ is None:
                self._pool_ = self._open_pool()
            return self._pool_

    def _open_pool(self) -> ConnectionPool[Any]:
        timeout_s = self.timeout_s
        pool: ConnectionPool[Any] = ConnectionPool(
            self.url,
            min_size=1,
            max_size=self.pool_max,
            timeout=timeout_s,
            open=False,
            name="anju-gateway",
            configure=self._configure,
            check=ConnectionPool.check_connection,
            reconnect_timeout=24 * 3600,
            kwargs={
                "autocommit": True,
                "connect_timeout": max(1, int(timeout_s)),
                "application_name": "anju-gateway",
                # A statement that runs longer than this is a fault, not a wait.
                "options": f"-c statement_timeout={int(timeout_s * 6000)} "
                f"-c lock_timeout={int(timeout_s * 3000)} -c idle_in_transaction_session_"
                f"timeout={int(timeout_s * 6000)}",
            },
        )
        pool.open(wait=False)
        return pool

    @staticmethod
    def _configure(conn: psycopg.Connection[Any]) -> None:
        conn.adapters.register_dumper(bool, _BoolAsInt)

    def describe(self) -> str:
        return f"PostgreSQL {masked(self.url)}"

    def conn(self) -> PgConn:
        """This thread's connection (borrowed from the pool on first use)."""
        borrowed: _Borrowed | None = getattr(self._local, "borrowed", None)
        if borrowed is not None and borrowed.conn is not None:
            raw = borrowed.conn.raw
            if not raw.closed and not raw.broken:
                return borrowed.conn
            borrowed.give_back()  # the pool sees it is broken and replaces it
        raw = self._pool.getconn(timeout=self.timeout_s)
        borrowed = _Borrowed(self._pool, raw)
        self._local.borrowed = borrowed
        return borrowed.conn

    @contextmanager
    def write(self) -> Iterator[PgConn]:
        """A write transaction, serial with every other writer of every replica."""
        conn = self.conn()
        if conn.pipeline is not None:  # a write inside a write: a savepoint of the same one
            with conn.raw.transaction():
                yield conn
            return
        # Pipeline mode: statements whose results nobody reads (inserts, updates) go out
        # without waiting for the server, so the lock is held for a few round trips (the reads
        # the write needs, then COMMIT) instead of one per statement. BEGIN and COMMIT are sent
        # by hand: psycopg's transaction() syncs the pipeline on entry and twice on exit.
        with conn.raw.pipeline() as pipeline:
            conn.pipeline = pipeline
            try:
                conn.raw.execute("BEGIN")
                conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                try:
                    yield conn
                    conn.raw.execute("COMMIT")  # raises a queued statement's error, if any
                    pipeline.sync()  # answered only once committed
                except BaseException:
                    _roll_back(conn.raw, pipeline)
                    raise
            finally:
                conn.pipeline = None

    def ping(self) -> None:
        self.conn().execute("SELECT 1").fetchone()

    def migrate(self, migration_sets_: Iterable[Migrations] | None = None) -> None:
        """Apply pending migrations; replicas starting together wait on one advisory lock."""
        from anju_gateway.store.db import migration_sets

        sets = migration_sets() if migration_sets_ is None else list(migration_sets_)
        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as raw:
            conn = PgConn(raw)  # type: ignore[arg-type]
            conn.execute("SELECT pg_advisory_lock(?)", (MIGRATE_LOCK,))
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS anju_migrations (migration_set TEXT NOT NULL, "
                    "name TEXT NOT NULL, applied_at TEXT NOT NULL, "
                    "PRIMARY KEY (migration_set, name))"
                )
                done = {
                    (r[0], r[1])
                    for r in conn.execute("SELECT migration_set, name FROM anju_migrations")
                }
                for migrations in sets:
                    for m in migrations._migrations:
                        if (migrations.name, m.name) in done:
                            continue
                        with raw.transaction():
                            m.fn(_MigrationDb(conn))  # type: ignore[arg-type]
                            conn.execute(
                                "INSERT INTO anju_migrations VALUES (?, ?, ?)",
                                (migrations.name, m.name, format_ts(utcnow())),
                            )
                        log.info("migration applied: %s %s", migrations.name, m.name)
            finally:
                conn.execute("SELECT pg_advisory_unlock(?)", (MIGRATE_LOCK,))

    def close(self) -> None:
        borrowed: _Borrowed | None = getattr(self._local, "borrowed", None)
        if borrowed is not None:
            borrowed.give_back()
        self._local = threading.local()
        with self._lock:
            pool, self._pool_ = self._pool_, None
        if pool is not None:
            pool.close()


def create_database(server_url: str, name: str, template: str | None = None) -> None:
    """``CREATE DATABASE`` (C collation, as the store expects), optionally copying a template
    (tests and benches: a migrated template copied per test is much faster than migrating)."""
    from psycopg import sql

    statement = sql.SQL(
        "CREATE DATABASE {} TEMPLATE {} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
    )
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            statement.format(sql.Identifier(name), sql.Identifier(template or "template0"))
        )
