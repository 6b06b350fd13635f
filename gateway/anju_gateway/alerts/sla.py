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
from anju_contracts import AlertEscalated, format_ts
from anju_gateway.alerts.feed import publish
from anju_gateway.events import EventHub
from anju_gateway.metrics import SLA_BREACHES
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.alerts import Breach, Clock, flag_breaches, received, set_deadlines
from anju_gateway.store.events import add_event, system_event

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)


def ack_minutes(settings: GatewaySettings, severity: str) -> float:
    return {
        "critical": settings.sla_ack_minutes_critical,
        "high": settings.sla_ack_minutes_high,
    }.get(severity, settings.sla_ack_minutes_normal)


def assign_deadlines(
    conn: sqlite3.Connection, ids: Iterable[str], settings: GatewaySettings
) -> None:
    """Set ack_due_at / close_due_at from received_at; call in the ingest's write transaction."""
    deadlines = []
    for alert in received(conn, alert_ids=ids):
        start = datetime.fromisoformat(alert.received_at.replace("Z", "+00:00"))
        ack = start + timedelta(minutes=ack_minutes(settings, alert.severity))
        close = start + timedelta(hours=settings.sla_close_hours)
        deadlines.append((alert.id, format_ts(ack), format_ts(close)))
    set_deadlines(conn, deadlines=deadlines)


def check_sla(db: Database, hub: EventHub, now: datetime) -> list[tuple[str, str]]:
    """Flag every newly breached clock; returns (alert id, clock) pairs flagged this time."""
    stamp = format_ts(now)
    flagged: list[Breach] = []
    with db.write() as conn:
        clocks: tuple[Clock, ...] = ("ack", "close")
        for clock in clocks:
            breaches = flag_breaches(conn, clock=clock, now=stamp)
            for b in breaches:
                note = "超时升级 escalated to supervisor"
                event = system_event(at=stamp, action=f"{clock}_breached", note=note)
                add_event(conn, alert_id=b.id, event=event)
            flagged.extend(breaches)
    for b in flagged:
        SLA_BREACHES.labels(clock=b.clock, severity=b.severity).inc()
        publish(hub, AlertEscalated(compound_id=b.compound_id, id=b.id, clock=b.clock,
                                    severity=b.severity, at=stamp))  # fmt: skip
        _ratelog.warning(
            f"breach:{b.clock}", "SLA %s clock breached for alert %s (%s)", b.clock, b.id,
            b.severity,
        )  # fmt: skip
    return [(b.id, b.clock) for b in flagged]
