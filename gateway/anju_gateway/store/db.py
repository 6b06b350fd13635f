"""The gateway's database: one store, two engines, and the order its modules' migrations run in.

Every query is written once, in the SQL that SQLite and PostgreSQL share (``?`` placeholders,
``INSERT … ON CONFLICT``, ``RETURNING``). The engine is chosen by the database URL:

- a path, or ``sqlite:///path``: SQLite (the embedded default; :class:`SQLiteDatabase`), with
  connections and write transactions from :mod:`anju_common.sqlite` (one connection per thread,
  WAL, ``BEGIN IMMEDIATE`` for every read-modify-write);
- ``postgresql://…`` (or ``postgres://``): PostgreSQL (:mod:`anju_gateway.store.postgres`), for
  several gateway replicas on one database.

Both give the same two things to the store modules: ``conn()`` (reads, autocommit) and
``write()`` (a transaction that is serial with every other writer, committed when the block
ends). Rows answer by column name and by position on both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from sqlite_utils.migrations import Migrations

from anju_common.sqlite import ThreadLocalSQLite

Row = Any
"""A result row: ``row["column"]`` and ``row[0]`` (``sqlite3.Row`` or the PostgreSQL row)."""


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    """What the store modules use of a connection (``sqlite3.Connection`` fits it as it is)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor: ...


class Database(Protocol):
    """The gateway's database, whichever engine holds it."""

    engine: str  # "sqlite" or "postgresql"

    def conn(self) -> Conn: ...

    def write(self) -> AbstractContextManager[Conn]: ...

    def ping(self) -> None: ...

    def migrate(self, migration_sets: Iterable[Migrations] | None = None) -> None: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...


def migration_sets() -> list[Migrations]:
    # Imported here so each resource module owns its own schema; order matters.
    from anju_gateway.store import (
        alerts,
        compounds,
        edge_actions,
        edges,
        events,
        gbcodes,
        heartbeats,
        leases,
        logins,
        names,
        passages,
        routing,
        users,
        viid,
        viid_dispositions,
        viid_secrets,
        watchlists,
        webhooks,
    )

    return [
        compounds.migrations,
        users.migrations,
        edges.migrations,
        alerts.migrations,
        events.migrations,
        heartbeats.migrations,
        names.migrations,
        gbcodes.migrations,
        watchlists.migrations,
        webhooks.migrations,
        edge_actions.migrations,
        routing.migrations,
        viid.migrations,
        viid_dispositions.migrations,
        passages.migrations,
        leases.migrations,
        logins.migrations,
        viid_secrets.migrations,
    ]


class SQLiteDatabase(ThreadLocalSQLite):
    """The gateway's database file; ``conn()`` rows are ``sqlite3.Row``, foreign keys on."""

    engine = "sqlite"

    def __init__(self, path: Path) -> None:
        # FULL: the gateway acknowledges an alert to its edge only after the commit, and the
        # edge then forgets it, so a commit must survive power loss here too.
        super().__init__(path, rows_as_mappings=True, foreign_keys=True)

    def ping(self) -> None:
        """One trivial query: the database answers (health checks)."""
        self.conn().execute("SELECT 1").fetchone()

    def migrate(self, migration_sets_: Iterable[Migrations] | None = None) -> None:
        super().migrate(migration_sets() if migration_sets_ is None else migration_sets_)

    def describe(self) -> str:
        return f"SQLite {self.path}"


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.split(":", 1)[0] in ("postgresql", "postgres")


def open_database(target: str | Path, *, pool_max: int = 20, timeout_s: float = 10.0) -> Database:
    """The database at ``target``: a SQLite path (or ``sqlite:///path``) or a PostgreSQL URL."""
    if is_postgres_url(target):
        from anju_gateway.store.postgres import PostgresDatabase

        return PostgresDatabase(str(target), pool_max=pool_max, timeout_s=timeout_s)
    text = str(target)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    elif "://" in text:
        raise ValueError(f"not a database URL this gateway knows: {text.split('://')[0]}://")
    return SQLiteDatabase(Path(text))
