"""Outage noise: one open alert per device (or box) and outage kind.

An outage alert (device_offline, never_seen, edge_offline) for a device whose alert of that
kind is still open is not a new row: it is an occurrence of the open one (counted, audited as
再次发生); the edge's receipt says stored, so it never resends, and a resend of the same id is a
duplicate. A heartbeat saying a device is online recovers its open outage alerts (已恢复, with
the time the gateway received that beat); by policy (``offline_recovery_closes``) a
property-routed one is then closed by the system. docs/lifecycle.md, "Outages".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from anju_contracts import Heartbeat, format_ts
from anju_gateway.alerts.admission import Decision, admit
from anju_gateway.settings import GatewaySettings
from anju_gateway.store.alerts import (
    OUTAGE_KINDS,
    NewAlert,
    Outage,
    add_occurrence,
    insert_alerts,
    known_ids,
    mark_cleared,
    open_outage,
    set_columns,
    unrecovered,
)
from anju_gateway.store.db import Conn
from anju_gateway.store.events import AlertEvent, add_event, add_events, system_event

OCCURRENCE = "occurrence"  # 再次发生
CLEARED = "cleared"  # 已恢复


@dataclass(frozen=True, slots=True)
class Merged:
    alert_id: str  # the open alert the outage became an occurrence of
    compound_id: str
    occurrences: int


@dataclass(slots=True)
class Intake:
    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    merged: dict[str, Merged] = field(default_factory=dict)  # incoming id -> where it went


def occurrence_event(alert: NewAlert, count: int, received_at: str) -> AlertEvent:
    return AlertEvent(
        at=received_at,
        actor=f"{alert.source_kind}:{alert.source_id}",
        action=OCCURRENCE,
        from_state=None,
        to_state=None,
        note=f"第 {count} 次发生（设备时间 {alert.ts}）",
    )


def store_alerts(
    conn: Conn,
    alerts: Sequence[NewAlert],
    *,
    received_at: str,
    settings: GatewaySettings,
    planned: Mapping[str, Decision] | None = None,
) -> Intake:
    """Store and admit new alerts, outages merged into their open alert. In a write.

    ``planned``: the plain alerts' admissions, decided before the write
    (:func:`~anju_gateway.alerts.admission.plan`); without, they are decided in it."""
    intake = Intake()
    plain = [a for a in alerts if a.kind not in OUTAGE_KINDS]
    if planned is None:
        intake.stored, intake.duplicates = insert_alerts(conn, plain, received_at=received_at)
        admit(conn, intake.stored, settings)
    else:
        admissions = {a.id: planned[a.id][0] for a in plain}
        intake.stored, intake.duplicates = insert_alerts(
            conn, plain, received_at=received_at, admissions=admissions
        )
        add_events(conn, [(alert_id, planned[alert_id][1]) for alert_id in intake.stored])
    outages = [a for a in alerts if a.kind in OUTAGE_KINDS]
    known = known_ids(conn, [a.id for a in outages])
    for alert in outages:  # one by one: a batch may hold two outages of one device
        if alert.id in known:
            intake.duplicates.append(alert.id)
            continue
        known.add(alert.id)
        open_id = open_outage(conn, compound_id=alert.compound_id, source_kind=alert.source_kind,
                              source_id=alert.source_id, kind=alert.kind)  # fmt: skip
        if open_id is None:
            insert_alerts(conn, [alert], received_at=received_at)
            admit(conn, [alert.id], settings)
            intake.stored.append(alert.id)
            continue
        count = add_occurrence(conn, alert_id=open_id, occurrence=alert, received_at=received_at)
        add_event(conn, alert_id=open_id, event=occurrence_event(alert, count, received_at))
        intake.merged[alert.id] = Merged(open_id, alert.compound_id, count)
    return intake


def recover_devices(
    conn: Conn,
    *,
    compound_id: str,
    beat: Heartbeat,
    received_at: str,
    settings: GatewaySettings,
) -> list[Outage]:
    """Mark recovered (and close, by policy) the open outage alerts of the devices this beat
    says are online, if the outage began before the beat was made. In a write."""
    online = {(d.kind, d.id) for d in beat.devices if d.state.value == "online"}
    back = unrecovered(conn, compound_id=compound_id, sources=online, before=format_ts(beat.ts))
    for outage in back:
        mark_cleared(conn, alert_id=outage.id, at=received_at)
        back_online = system_event(at=received_at, action=CLEARED, note="设备恢复在线")
        add_event(conn, alert_id=outage.id, event=back_online)
        if settings.offline_recovery_closes and outage.handler == "property":
            note = "设备已恢复，按策略自动办结"
            set_columns(conn, alert_id=outage.id, values={
                "state": "resolved", "closed_at": received_at, "property_closed_at": received_at,
                "resolution": "handled", "resolution_note": note})  # fmt: skip
            add_event(conn, alert_id=outage.id, event=AlertEvent(
                at=received_at, actor="system", action="resolve", from_state=outage.state,
                to_state="resolved", note=note))  # fmt: skip
    return back
