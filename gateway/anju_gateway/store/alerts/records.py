"""Alerts stored and read back. Ids come from the edge and make delivery idempotent.

One field list with variants: :class:`~anju_contracts.feed.AlertSummary` (the live feed's
``alert.new``) -> :class:`AlertRecord` -> :class:`NewAlert` (to store) and :class:`StoredAlert`
(read back, also the alert API's view).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from anju_contracts.feed import AlertSummary
from anju_gateway.store.alerts.state import Admission
from anju_gateway.store.db import Conn, Row


class AlertRecord(AlertSummary):
    """The summary plus what the gateway keeps of an alert's origin and content."""

    edge_id: str | None
    source_kind: str
    objects: list[dict[str, Any]]
    details: dict[str, Any]


class NewAlert(AlertRecord):
    """A validated alert ready to store (wire parsing happened before)."""

    snapshot: bytes | None


class StoredAlert(AlertRecord):
    """An alert read back; ``extra`` holds the lifecycle columns (owner, timestamps, ...)."""

    has_snapshot: bool
    received_at: str
    state: str
    handler: str = Field(description="Who handles it: police, property or both (分类处置).")
    occurrences: int = Field(
        default=1, description="Outages merged into this open alert (device offline kinds)."
    )
    last_ts: str | None = Field(
        default=None, description="When the latest occurrence happened (null: only one)."
    )
    extra: dict[str, Any] = Field(default_factory=dict)


_BASE_COLUMNS = (
    "id, compound_id, edge_id, source_kind, source_id, kind, severity, ts, zone, "
    "objects_json, details_json, has_snapshot, received_at, state"
)
_BASE = frozenset([*_BASE_COLUMNS.replace(" ", "").split(","), "handler", "occurrences", "last_ts"])
_CHUNK = 500  # ids per IN (...) list, well below every engine's parameter limit


def _stored(row: Row) -> StoredAlert:
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
        handler=row["handler"],
        occurrences=row["occurrences"],
        last_ts=row["last_ts"],
        extra={k: row[k] for k in row.keys() if k not in _BASE},  # noqa: SIM118
    )


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _chunks(ids: Sequence[str]) -> Iterator[tuple[list[str], str]]:
    """The ids in chunks of at most _CHUNK, each with its ``?,?,...`` placeholders."""
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        yield chunk, _marks(len(chunk))


def known_ids(conn: Conn, ids: Sequence[str]) -> set[str]:
    """Which ids the gateway has: alerts, and outages merged into an open alert as occurrences."""
    existing: set[str] = set()
    for chunk, marks in _chunks(ids):
        sql = (
            f"SELECT id FROM alerts WHERE id IN ({marks}) "
            f"UNION SELECT id FROM alert_occurrences WHERE id IN ({marks})"
        )
        existing.update(r[0] for r in conn.execute(sql, [*chunk, *chunk]))
    return existing


_ADMISSION_COLUMNS = "handler, ack_due_at, close_due_at, property_ack_due_at, property_close_due_at"


def insert_alerts(
    conn: Conn,
    alerts: Sequence[NewAlert],
    *,
    received_at: str,
    admissions: Mapping[str, Admission] | None = None,
) -> tuple[list[str], list[str]]:
    """Store the alerts not seen before; returns (stored ids, duplicate ids). Call in a write.

    With ``admissions`` (every alert's, decided before the write) the handler and deadlines are
    stored with the row; without, the caller admits the stored ones afterwards."""
    ids = [a.id for a in alerts]
    existing = known_ids(conn, ids)
    fresh: dict[str, NewAlert] = {}
    for a in alerts:
        if a.id not in existing and a.id not in fresh:
            fresh[a.id] = a
    if admissions is None:
        conn.executemany(
            f"INSERT INTO alerts ({_BASE_COLUMNS}) VALUES ({_marks(14)})",
            [_row(a, received_at) for a in fresh.values()],
        )
    else:
        conn.executemany(
            f"INSERT INTO alerts ({_BASE_COLUMNS}, {_ADMISSION_COLUMNS}) VALUES ({_marks(19)})",
            [_row(a, received_at) + _admitted(admissions[a.id]) for a in fresh.values()],
        )
    conn.executemany(
        "INSERT INTO alert_snapshots (alert_id, jpeg) VALUES (?, ?)",
        [(a.id, a.snapshot) for a in fresh.values() if a.snapshot is not None],
    )
    return list(fresh), [i for i in ids if i not in fresh]


def held_by_other_compounds(conn: Conn, *, alert_ids: Sequence[str], compound_id: str) -> set[str]:
    """Which of these ids are already alerts of another compound."""
    taken: set[str] = set()
    for chunk, marks in _chunks(alert_ids):
        sql = (
            f"SELECT id FROM alerts WHERE id IN ({marks}) AND compound_id != ? "
            "UNION SELECT o.id FROM alert_occurrences o JOIN alerts a ON a.id = o.alert_id "
            f"WHERE o.id IN ({marks}) AND a.compound_id != ?"
        )
        taken.update(r[0] for r in conn.execute(sql, [*chunk, compound_id, *chunk, compound_id]))
    return taken


def _admitted(a: Admission) -> tuple[object, ...]:
    return (a.handler, a.ack_due_at, a.close_due_at, a.property_ack_due_at,
            a.property_close_due_at)  # fmt: skip


def _row(a: NewAlert, received_at: str) -> tuple[object, ...]:
    return (
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


@dataclass(frozen=True, slots=True)
class AlertQuery:
    compound_ids: Sequence[str] | None = None  # None: every compound the caller may see
    precinct_id: str | None = None
    kind: str | None = None
    severity: str | None = None
    state: str | None = None
    handler: str | None = None
    source_id: str | None = None  # a gate or camera
    zone: str | None = None
    since: str | None = None
    until: str | None = None
    before_id: str | None = None
    limit: int = 100


def query_alerts(conn: Conn, q: AlertQuery) -> list[StoredAlert]:
    where: list[str] = []
    params: list[Any] = []
    if q.compound_ids is not None:
        if not q.compound_ids:
            return []
        where.append(f"a.compound_id IN ({_marks(len(q.compound_ids))})")
        params.extend(q.compound_ids)
    conditions = (
        ("c.precinct_id = ?", q.precinct_id),
        ("a.kind = ?", q.kind),
        ("a.severity = ?", q.severity),
        ("a.state = ?", q.state),
        ("a.handler = ?", q.handler),
        ("a.source_id = ?", q.source_id),
        ("a.zone = ?", q.zone),
        ("a.ts >= ?", q.since),
        ("a.ts < ?", q.until),
        ("a.id < ?", q.before_id),
    )
    for condition, value in conditions:
        if value is not None:
            where.append(condition)
            params.append(value)
    sql = "SELECT a.* FROM alerts a JOIN compounds c ON c.id = a.compound_id"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY a.id DESC LIMIT ?"
    params.append(q.limit)
    return [_stored(r) for r in conn.execute(sql, params)]


def get_alert(conn: Conn, *, alert_id: str) -> StoredAlert | None:
    row = conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return _stored(row) if row else None


def get_snapshot(conn: Conn, *, alert_id: str) -> bytes | None:
    row = conn.execute(
        "SELECT jpeg FROM alert_snapshots WHERE alert_id = ?", (alert_id,)
    ).fetchone()
    return bytes(row[0]) if row else None
