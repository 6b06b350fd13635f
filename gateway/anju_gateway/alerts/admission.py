"""What happens to an alert in the transaction that stores it: the handler is decided by the
precinct's routing, the clocks that handler runs get their deadlines, and the audit trail opens
with 接警 (received), naming what raised it.

Every way an alert enters the gateway (edge ingest, a silent box, a box's data loss) calls
:func:`admit` in its write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from anju_contracts import format_ts
from anju_contracts.common import parse_ts
from anju_gateway.alerts.routing import (
    Handler,
    Policy,
    effective,
    handler_for,
    police_clocks,
    property_clocks,
)
from anju_gateway.alerts.sla import ack_minutes
from anju_gateway.settings import GatewaySettings
from anju_gateway.store.alerts import Admission, NewAlert, Received, received, set_admissions
from anju_gateway.store.db import Conn
from anju_gateway.store.events import AlertEvent, add_events
from anju_gateway.store.routing import policy_of_compound

HANDLER_NAMES = {
    Handler.police: "公安处置",
    Handler.property: "物业处置",
    Handler.both: "公安与物业共同处置",
}
SOURCE_NAMES = {"gate": "门禁", "camera": "摄像机", "edge": "边缘盒"}


def admission(alert: Received, handler: Handler, settings: GatewaySettings) -> Admission:
    """The deadlines of the clocks ``handler`` runs; all start at the gateway's receipt."""
    start = parse_ts(alert.received_at)

    def due(delta: timedelta) -> str:
        return format_ts(start + delta)

    police = police_clocks(handler)
    prop = property_clocks(handler)
    return Admission(
        id=alert.id,
        handler=handler.value,
        ack_due_at=due(timedelta(minutes=ack_minutes(settings, alert.severity)))
        if police
        else None,
        close_due_at=due(timedelta(hours=settings.sla_close_hours)) if police else None,
        property_ack_due_at=due(timedelta(minutes=settings.sla_property_ack_minutes))
        if prop
        else None,
        property_close_due_at=due(timedelta(hours=settings.sla_property_close_hours))
        if prop
        else None,
    )


def received_event(alert: Received, handler: Handler) -> AlertEvent:
    """接警: who or what raised the alert, through which box, and who handles it."""
    source = f"{SOURCE_NAMES.get(alert.source_kind, alert.source_kind)} {alert.source_id}"
    via = f"，经边缘盒 {alert.edge_id}" if alert.edge_id and alert.source_kind != "edge" else ""
    return AlertEvent(
        at=alert.received_at,
        actor=f"{alert.source_kind}:{alert.source_id}",
        action="received",
        from_state=None,
        to_state="new",
        note=f"接警：{source} 报警{via}；{HANDLER_NAMES[handler]}",
    )


Decision = tuple[Admission, AlertEvent]  # the columns and the 接警 event of one alert


def decide(alert: Received, policy: Policy | None, settings: GatewaySettings) -> Decision:
    """Handler, deadlines and 接警 event of one alert, under its precinct's policy (None: the
    compound is unknown to routing, so the police handle it)."""
    handler = handler_for(policy, alert.kind, alert.severity) if policy else Handler.police
    return admission(alert, handler, settings), received_event(alert, handler)


def policies_of(conn: Conn, compound_ids: Iterable[str]) -> dict[str, Policy | None]:
    policies: dict[str, Policy | None] = {}
    for compound_id in compound_ids:
        if compound_id not in policies:
            stored = policy_of_compound(conn, compound_id=compound_id)
            policies[compound_id] = effective(stored) if stored is not None else None
    return policies


def plan(
    conn: Conn, alerts: Sequence[NewAlert], *, received_at: str, settings: GatewaySettings
) -> dict[str, Decision]:
    """The admission of alerts about to be stored, decided before their write (a read: the
    write then holds the store's lock for the inserts alone). A routing change that lands
    between the two is the same as one that landed just after the alerts."""
    policies = policies_of(conn, (a.compound_id for a in alerts))
    decisions: dict[str, Decision] = {}
    for a in alerts:
        alert = Received(id=a.id, compound_id=a.compound_id, kind=a.kind, severity=a.severity,
                         received_at=received_at, source_kind=a.source_kind,
                         source_id=a.source_id, edge_id=a.edge_id)  # fmt: skip
        decisions[a.id] = decide(alert, policies[a.compound_id], settings)
    return decisions


def admit(conn: Conn, ids: Iterable[str], settings: GatewaySettings) -> None:
    """Route, schedule and open the audit of freshly stored alerts. In their write."""
    stored = received(conn, alert_ids=ids)
    policies = policies_of(conn, (a.compound_id for a in stored))
    decisions = [(a.id, decide(a, policies[a.compound_id], settings)) for a in stored]
    add_events(conn, [(alert_id, event) for alert_id, (_, event) in decisions])
    set_admissions(conn, admissions=[adm for _, (adm, _) in decisions])
