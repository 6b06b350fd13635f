"""SLA clocks. The police's: acknowledge within 1 / 3 / 5 minutes by severity, close within 24
hours, on alerts routed to the police (or both). The property's: acknowledge and close at the
gate console (10 minutes, 24 hours by default), on alerts routed to the property (or both).

Every clock starts when the gateway received the alert (that is when anyone outside the compound
can first see it). Deadlines are written at ingest (:mod:`anju_gateway.alerts.admission`); a
sweeper flags breaches once, audits and counts them; police breaches go on the live feed as
``alert.escalated`` so the supervisor sees them, property breaches as ``alert.updated``. After
an alert is closed, :func:`outcomes` says how each clock ended (按时签收 / 超时 N 分, ...).
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Literal

from anju_common.ratelog import RateLimitedLog
from anju_contracts import AlertEscalated, AlertUpdated, Strict, format_ts
from anju_gateway.alerts.feed import publish
from anju_gateway.events import EventHub
from anju_gateway.metrics import SLA_BREACHES
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.alerts import CLOCKS, Breach, Clock, StoredAlert, flag_breaches
from anju_gateway.store.events import add_event, system_event

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

BREACH_NOTES: dict[Clock, str] = {
    "ack": "超时未签收，已升级至值班领导",
    "close": "超时未销号，已升级至值班领导",
    "property_ack": "物业超时未签收",
    "property_close": "物业超时未销号",
}


def ack_minutes(settings: GatewaySettings, severity: str) -> float:
    return {
        "critical": settings.sla_ack_minutes_critical,
        "high": settings.sla_ack_minutes_high,
    }.get(severity, settings.sla_ack_minutes_normal)


def check_sla(db: Database, hub: EventHub, now: datetime) -> list[tuple[str, str]]:
    """Flag every newly breached clock; returns (alert id, clock) pairs flagged this time."""
    stamp = format_ts(now)
    flagged: list[Breach] = []
    with db.write() as conn:
        for clock in CLOCKS:
            breaches = flag_breaches(conn, clock=clock, now=stamp)
            for b in breaches:
                event = system_event(at=stamp, action=f"{clock}_breached", note=BREACH_NOTES[clock])
                add_event(conn, alert_id=b.id, event=event)
            flagged.extend(breaches)
    for b in flagged:
        SLA_BREACHES.labels(clock=b.clock, severity=b.severity).inc()
        if b.clock in ("ack", "close"):
            publish(hub, AlertEscalated(compound_id=b.compound_id, id=b.id, clock=b.clock,
                                        severity=b.severity, at=stamp))  # fmt: skip
        else:  # the property's clock: no police escalation, but the consoles see it change
            action = f"{b.clock}_breached"
            update = AlertUpdated(compound_id=b.compound_id, id=b.id, state=b.state,
                                  action=action, actor="system", at=stamp)  # fmt: skip
            publish(hub, update)
        _ratelog.warning(
            f"breach:{b.clock}", "SLA %s clock breached for alert %s (%s)", b.clock, b.id,
            b.severity,
        )  # fmt: skip
    return [(b.id, b.clock) for b in flagged]


Status = Literal["running", "overdue", "on_time", "late"]
_WORDS: dict[Clock, tuple[str, str]] = {  # (what the clock asks for, prefix)
    "ack": ("签收", ""),
    "close": ("销号", ""),
    "property_ack": ("签收", "物业"),
    "property_close": ("销号", "物业"),
}
CLOSED = ("resolved", "false_alarm")


class ClockOutcome(Strict):
    """How one clock of an alert stands or ended (kept after closing)."""

    clock: Clock
    due_at: str
    done_at: str | None
    status: Status
    minutes_late: int | None = None  # whole minutes, rounded up, when late or overdue
    label: str


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _done_at(alert: StoredAlert, clock: Clock) -> str | None:
    x = alert.extra
    closed = x.get("closed_at") if alert.state in CLOSED else None
    done: str | None = {
        "ack": x.get("acknowledged_at"),
        "close": closed,
        # The property's clocks also stop when the alert is closed by the police (both).
        "property_ack": x.get("property_acknowledged_at") or x.get("property_closed_at"),
        "property_close": x.get("property_closed_at"),
    }[clock]
    if done is None and clock.startswith("property") and alert.state in CLOSED:
        done = closed or x.get("property_closed_at")
    return done


def _label(clock: Clock, status: Status, late: int | None) -> str:
    word, prefix = _WORDS[clock]
    if status == "on_time":
        return f"{prefix}按时{word}"
    if status == "running":
        return f"{prefix}{word}计时中"
    if status == "overdue":
        return f"{prefix}超时未{word}"
    return f"{prefix}{word}超时 {late} 分" if word == "签收" else f"{prefix}{word}超时"


def outcomes(alert: StoredAlert, now: datetime) -> list[ClockOutcome]:
    """Every clock the alert's handler runs, in order: police first, then the property's."""
    out: list[ClockOutcome] = []
    for clock in CLOCKS:
        due = alert.extra.get(f"{clock}_due_at")
        if not due:
            continue
        done = _done_at(alert, clock)
        end = _ts(done) if done else now
        over = (end - _ts(due)).total_seconds()
        late = math.ceil(over / 60) if over > 0 else None
        if done:
            status: Status = "late" if over > 0 else "on_time"
        else:
            status = "overdue" if over > 0 else "running"
        out.append(ClockOutcome(clock=clock, due_at=due, done_at=done, status=status,
                                minutes_late=late, label=_label(clock, status, late)))  # fmt: skip
    return out
