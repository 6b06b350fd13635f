"""``routing_policies``: each precinct's choice of who handles which alert type (分类处置).

One row per precinct that changed anything: the kinds it routes differently from the defaults
(``anju_gateway.alerts.routing.DEFAULT_ROUTES``) and the severity from which a property alert
goes to the police. A precinct without a row uses the defaults.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn, Row

migrations = Migrations("gateway.routing")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE routing_policies (
            precinct_id TEXT PRIMARY KEY REFERENCES precincts(id),
            routes_json TEXT NOT NULL DEFAULT '{}',
            raise_at TEXT,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )"""
    )


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """What a precinct set: ``routes`` holds only its overrides (kind -> handler);
    ``raise_at`` is a severity, or "" for never (None: the precinct never set it)."""

    precinct_id: str
    routes: dict[str, str] = field(default_factory=dict)
    raise_at: str | None = None
    updated_at: str | None = None
    updated_by: str | None = None


def _policy(row: Row) -> StoredPolicy:
    return StoredPolicy(
        precinct_id=row["precinct_id"],
        routes=json.loads(row["routes_json"]),
        raise_at=row["raise_at"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )


def get_policy(conn: Conn, *, precinct_id: str) -> StoredPolicy:
    row = conn.execute(
        "SELECT * FROM routing_policies WHERE precinct_id = ?", (precinct_id,)
    ).fetchone()
    return _policy(row) if row else StoredPolicy(precinct_id=precinct_id)


def policy_of_compound(conn: Conn, *, compound_id: str) -> StoredPolicy | None:
    """The policy of the precinct covering the compound; None for an unknown compound."""
    row = conn.execute(
        "SELECT c.precinct_id, r.routes_json, r.raise_at, r.updated_at, r.updated_by "
        "FROM compounds c LEFT JOIN routing_policies r ON r.precinct_id = c.precinct_id "
        "WHERE c.id = ?",
        (compound_id,),
    ).fetchone()
    if row is None:
        return None
    if row["routes_json"] is None:
        return StoredPolicy(precinct_id=row["precinct_id"])
    return _policy(row)


def put_policy(
    conn: Conn,
    *,
    precinct_id: str,
    routes: dict[str, str],
    raise_at: str | None,
    actor: str,
    now: str,
) -> StoredPolicy:
    """Replace the precinct's overrides and severity rule. Call in a write transaction."""
    conn.execute(
        "INSERT INTO routing_policies (precinct_id, routes_json, raise_at, updated_at, "
        "updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT(precinct_id) DO UPDATE SET "
        "routes_json = excluded.routes_json, raise_at = excluded.raise_at, "
        "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        (precinct_id, json.dumps(routes, sort_keys=True), raise_at, now, actor),
    )
    return get_policy(conn, precinct_id=precinct_id)
