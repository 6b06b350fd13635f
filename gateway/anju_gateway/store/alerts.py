"""Alerts as the gateway stores them; ids come from the edge and make delivery idempotent."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

migrations = Migrations("gateway.alerts")


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE alerts (
            id TEXT PRIMARY KEY,
            compound_id TEXT NOT NULL REFERENCES compounds(id),
            edge_id TEXT,
            source_kind TEXT NOT NULL,
            source_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            ts TEXT NOT NULL,
            zone TEXT,
            objects_json TEXT NOT NULL DEFAULT '[]',
            details_json TEXT NOT NULL DEFAULT '{}',
            has_snapshot INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'new'
        )"""
    )
    db.execute("CREATE INDEX alerts_compound_ts ON alerts(compound_id, ts)")
    db.execute("CREATE INDEX alerts_ts ON alerts(ts)")
    db.execute("CREATE INDEX alerts_state ON alerts(state)")
    db.execute(
        """CREATE TABLE alert_snapshots (
            alert_id TEXT PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
            jpeg BLOB NOT NULL
        )"""
    )


@dataclass(frozen=True, slots=True)
class NewAlert:
    """A validated alert ready to store (plain domain object; wire parsing happened before)."""

    id: str
    compound_id: str
    edge_id: str | None
    source_kind: str
    source_id: str
    kind: str
    severity: str
    ts: str
    zone: str | None
    objects: list[dict[str, Any]]
    details: dict[str, Any]
    snapshot: bytes | None


@dataclass(frozen=True, slots=True)
class StoredAlert:
    id: str
    compound_id: str
    edge_id: str | None
    source_kind: str
    source_id: str
    kind: str
    severity: str
    ts: str
    zone: str | None
    objects: list[dict[str, Any]]
    details: dict[str, Any]
    has_snapshot: bool
    received_at: str
    state: str
    extra: dict[str, Any] = field(default_factory=dict)


_BASE_COLUMNS = (
    "id, compound_id, edge_id, source_kind, source_id, kind, severity, ts, zone, "
    "objects_json, details_json, has_snapshot, received_at, state"
)


def _stored(row: sqlite3.Row) -> StoredAlert:
    base = set(_BASE_COLUMNS.replace(" ", "").split(","))
    return StoredAlert(
        id=row["id"],
        compound_id=row["compound_id"],
        edge_id=row["edge_id"],
        source_kind=row["source_kind"],
        source_id=row["source_id"],
        kind=row["kind"],
        severity=row["severity"],
        ts=row["ts"],
        zone=row["zone"],
        objects=json.loads(row["objects_json"]),
        details=json.loads(row["details_json"]),
        has_snapshot=bool(row["has_snapshot"]),
        received_at=row["received_at"],
        state=row["state"],
        extra={k: row[k] for k in row.keys() if k not in base},  # noqa: SIM118
    )


def insert_alerts(
    conn: sqlite3.Connection, alerts: Sequence[NewAlert], *, received_at: str
) -> tuple[list[str], list[str]]:
    """Store the alerts not seen before; returns (stored ids, duplicate ids). Call in a write."""
    ids = [a.id for a in alerts]
    existing: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        existing.update(
            r[0] for r in conn.execute(f"SELECT id FROM alerts WHERE id IN ({marks})", chunk)
        )
    fresh: list[NewAlert] = []
    seen: set[str] = set()
    for a in alerts:
        if a.id in existing or a.id in seen:
            continue
        seen.add(a.id)
        fresh.append(a)
    conn.executemany(
        f"INSERT INTO alerts ({_BASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                a.id,
                a.compound_id,
                a.edge_id,
                a.source_kind,
                a.source_id,
                a.kind,
                a.severity,
                a.ts,
                a.zone,
                json.dumps(a.objects, ensure_ascii=False),
                json.dumps(a.details, ensure_ascii=False),
                int(a.snapshot is not None),
                received_at,
                "new",
            )
            for a in fresh
        ],
    )
    conn.executemany(
        "INSERT INTO alert_snapshots (alert_id, jpeg) VALUES (?, ?)",
        [(a.id, a.snapshot) for a in fresh if a.snapshot is not None],
    )
    return [a.id for a in fresh], [i for i in ids if i not in {a.id for a in fresh}]


@dataclass(frozen=True, slots=True)
class AlertQuery:
    compound_ids: Sequence[str] | None = None  # None: every compound the caller may see
    precinct_id: str | None = None
    kind: str | None = None
    severity: str | None = None
    state: str | None = None
    since: str | None = None
    until: str | None = None
    before_id: str | None = None
    limit: int = 100


def query_alerts(conn: sqlite3.Connection, q: AlertQuery) -> list[StoredAlert]:
    where: list[str] = []
    params: list[Any] = []
    if q.compound_ids is not None:
        if not q.compound_ids:
            return []
        where.append(f"a.compound_id IN ({','.join('?' * len(q.compound_ids))})")
        params.extend(q.compound_ids)
    if q.precinct_id is not None:
        where.append("c.precinct_id = ?")
        params.append(q.precinct_id)
    for column, value in (("kind", q.kind), ("severity", q.severity), ("state", q.state)):
        if value is not None:
            where.append(f"a.{column} = ?")
            params.append(value)
    if q.since is not None:
        where.append("a.ts >= ?")
        params.append(q.since)
    if q.until is not None:
        where.append("a.ts < ?")
        params.append(q.until)
    if q.before_id is not None:
        where.append("a.id < ?")
        params.append(q.before_id)
    sql = "SELECT a.* FROM alerts a JOIN compounds c ON c.id = a.compound_id"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY a.id DESC LIMIT ?"
    params.append(q.limit)
    return [_stored(r) for r in conn.execute(sql, params)]


def get_alert(conn: sqlite3.Connection, alert_id: str) -> StoredAlert | None:
    row = conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return _stored(row) if row else None


def get_snapshot(conn: sqlite3.Connection, alert_id: str) -> bytes | None:
    row = conn.execute(
        "SELECT jpeg FROM alert_snapshots WHERE alert_id = ?", (alert_id,)
    ).fetchone()
    return bytes(row[0]) if row else None
