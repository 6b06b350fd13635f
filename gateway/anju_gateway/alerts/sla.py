"""SLA clocks: acknowledge within 1 / 3 / 5 minutes by severity, close within 24 hours.

Both clocks start when the gateway received the alert (that is when an officer can first see
it). Deadlines are written at ingest; a sweeper flags breaches once, counts them and puts
them on the live feed so the supervisor sees them (escalation).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta

from anju_common.ratelog import RateLimitedLog
from anju_contracts import format_ts
from anju_gateway.events import Event, EventHub
from anju_gateway.metrics import SLA_BREACHES
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.lifecycle import add_event

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

OPEN_STATES = ("new", "acknowledged", "dispatched")


def ack_minutes(settings: GatewaySettings, severity: str) -> float:
    return {
        "critical": settings.sla_ack_minutes_critical,
        "high": settings.sla_ack_minutes_high,
    }.get(severity, settings.sla_ack_minutes_normal)


def assign_deadlines(
    conn: sqlite3.Connection, ids: Iterable[str], settings: GatewaySettings
) -> None:
    """Set ack_due_at / close_due_at from received_at; call in the ingest's write transaction."""
    rows = []
    for alert_id in ids:
        row = conn.execute(
            "SELECT severity, received_at FROM alerts WHERE id = ?", (alert_id,)
        ).fetchone()
        if row is None:
            continue
        received = datetime.fromisoformat(row[1].replace("Z", "+00:00"))
        ack = received + timedelta(minutes=ack_minutes(settings, row[0]))
        close = received + timedelta(hours=settings.sla_close_hours)
        rows.append((format_ts(ack), format_ts(close), alert_id))
    conn.executemany("UPDATE alerts SET ack_due_at = ?, close_due_at = ? WHERE id = ?", rows)


def check_sla(db: Database, hub: EventHub, now: datetime) -> list[tuple[str, str]]:
    """Flag every newly breached clock; returns (alert id, clock) pairs flagged this time."""
    stamp = format_ts(now)
    flagged: list[tuple[str, str, str, str]] = []
    with db.write() as conn:
        ack_rows = conn.execute(
            "SELECT id, compound_id, severity FROM alerts WHERE state = 'new' "
            "AND ack_breached_at IS NULL AND ack_due_at IS NOT NULL AND ack_due_at < ?",
            (stamp,),
        ).fetchall()
        close_rows = conn.execute(
            "SELECT id, compound_id, severity FROM alerts WHERE state IN (?, ?, ?) "
            "AND close_breached_at IS NULL AND close_due_at IS NOT NULL AND close_due_at < ?",
            (*OPEN_STATES, stamp),
        ).fetchall()
        for clock, rows in (("ack", ack_rows), ("close", close_rows)):
            column = f"{clock}_breached_at"
            for r in rows:
                conn.execute(f"UPDATE alerts SET {column} = ? WHERE id = ?", (stamp, r[0]))
                add_event(
                    conn,
                    alert_id=r[0],
                    at=stamp,
                    actor="system",
                    action=f"{clock}_breached",
                    from_state=None,
                    to_state=None,
                    note="超时升级 escalated to supervisor",
                )
                flagged.append((r[0], r[1], r[2], clock))
    for alert_id, compound_id, severity, clock in flagged:
        SLA_BREACHES.labels(clock=clock, severity=severity).inc()
        hub.publish(
            Event(
                "alert.escalated",
                compound_id,
                {"id": alert_id, "clock": clock, "severity": severity, "at": stamp},
            )
        )
        _ratelog.warning(
            f"breach:{clock}", "SLA %s clock breached for alert %s (%s)", clock, alert_id, severity
        )
    return [(a, c) for a, _, _, c in flagged]
