"""Outage alerts (a device or a box offline, a device never seen): one open alert per device and
outage kind. A repeat outage while that alert is open is recorded as an occurrence of it (its
own id kept in ``alert_occurrences``, so a resent batch is still a duplicate); a device back
online stamps the open alert's ``details.cleared_at`` (已恢复)."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from anju_gateway.store.alerts.records import NewAlert
from anju_gateway.store.db import Conn

# The outage kinds merged per device; the edge raises the first two, the gateway the third.
OUTAGE_KINDS = ("device_offline", "never_seen", "edge_offline")
# Of those, the ones a device's state in its box's heartbeat recovers.
DEVICE_OUTAGES = ("device_offline", "never_seen")
_OPEN = "state IN ('new', 'acknowledged', 'dispatched')"


def open_outage(
    conn: Conn, *, compound_id: str, source_kind: str, source_id: str, kind: str
) -> str | None:
    """The open alert of this device and outage kind, if any (the newest, should there be two
    from before merging existed)."""
    row = conn.execute(
        "SELECT id FROM alerts WHERE compound_id = ? AND source_id = ? AND kind = ? "
        f"AND source_kind = ? AND {_OPEN} ORDER BY id DESC LIMIT 1",
        (compound_id, source_id, kind, source_kind),
    ).fetchone()
    return str(row[0]) if row else None


def add_occurrence(conn: Conn, *, alert_id: str, occurrence: NewAlert, received_at: str) -> int:
    """Record ``occurrence`` on the open ``alert_id``: counted, its time kept as the latest, the
    alert no longer recovered. Returns the alert's count of occurrences. In a write."""
    conn.execute(
        "INSERT INTO alert_occurrences (id, alert_id, ts, received_at, details_json) "
        "VALUES (?, ?, ?, ?, ?)",
        (occurrence.id, alert_id, occurrence.ts, received_at,
         json.dumps(occurrence.details, ensure_ascii=False)),
    )  # fmt: skip
    row = conn.execute("SELECT details_json FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    details = json.loads(row[0])
    details.pop("cleared_at", None)  # offline again
    conn.execute(
        "UPDATE alerts SET occurrences = occurrences + 1, last_ts = ?, details_json = ? "
        "WHERE id = ?",
        (occurrence.ts, json.dumps(details, ensure_ascii=False), alert_id),
    )
    count = conn.execute("SELECT occurrences FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return int(count[0])


def merged_into(conn: Conn, *, alert_id: str) -> str:
    """The alert an id stands for: itself, or the open alert it became an occurrence of."""
    row = conn.execute(
        "SELECT alert_id FROM alert_occurrences WHERE id = ?", (alert_id,)
    ).fetchone()
    return str(row[0]) if row else alert_id


@dataclass(frozen=True, slots=True)
class Outage:
    """An open, not yet recovered device outage alert."""

    id: str
    source_kind: str
    source_id: str
    handler: str
    state: str


def unrecovered(
    conn: Conn,
    *,
    compound_id: str,
    sources: Collection[tuple[str, str]],
    before: str,
) -> list[Outage]:
    """Open device outages of these (source_kind, source_id) whose latest occurrence happened
    before ``before`` (the box's time of a heartbeat saying the device is online)."""
    if not sources:
        return []
    rows = conn.execute(
        "SELECT id, source_kind, source_id, handler, state, details_json FROM alerts "
        f"WHERE compound_id = ? AND kind IN ({','.join('?' * len(DEVICE_OUTAGES))}) "
        f"AND {_OPEN} AND COALESCE(last_ts, ts) < ? ORDER BY id",
        (compound_id, *DEVICE_OUTAGES, before),
    ).fetchall()
    # Cleared outages (details_json's cleared_at) are skipped here, not in SQL: the JSON
    # functions are one of the few places SQLite and PostgreSQL spell differently.
    return [
        Outage(*r[:5])
        for r in rows
        if (r[1], r[2]) in sources and json.loads(r[5] or "{}").get("cleared_at") is None
    ]
