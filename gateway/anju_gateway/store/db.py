"""The gateway's SQLite database and the order its resource modules' migrations run in.

Connections and write transactions come from :mod:`anju_common.sqlite` (one connection per thread,
WAL, ``BEGIN IMMEDIATE`` for every read-modify-write).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlite_utils.migrations import Migrations

from anju_common.sqlite import ThreadLocalSQLite


def _migration_sets() -> list[Migrations]:
    # Imported here so each resource module owns its own schema; order matters.
    from anju_gateway.store import (
        alerts,
        compounds,
        edge_actions,
        edges,
        events,
        gbcodes,
        heartbeats,
        names,
        passages,
        routing,
        users,
        viid,
        viid_dispositions,
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
    ]


class Database(ThreadLocalSQLite):
    """The gateway's database file; ``conn()`` rows are ``sqlite3.Row``, foreign keys on."""

    def __init__(self, path: Path) -> None:
        # FULL: the gateway acknowledges an alert to its edge only after the commit, and the
        # edge then forgets it, so a commit must survive power loss here too.
        super().__init__(path, rows_as_mappings=True, foreign_keys=True)

    def ping(self) -> None:
        """One trivial query: the database answers (health checks)."""
        self.conn().execute("SELECT 1").fetchone()

    def migrate(self, migration_sets: Iterable[Migrations] | None = None) -> None:
        super().migrate(_migration_sets() if migration_sets is None else migration_sets)
