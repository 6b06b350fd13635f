"""What a guard did at the gate console, applied at the gateway (``/api/v1/edge/alert-actions``).

On an alert routed to the property (or both) the guard works the property's track: acknowledge
(物业签收) and close (物业销号), each stopping the property's clock; on a property-only alert
that is also the alert's state (new -> acknowledged -> resolved). On a police alert, and for
anything the track no longer needs (a second acknowledgement, a close after closing), the
action is recorded as 物业到场 / 物业备注 with who and when, and changes nothing else: never the
police state, owner or clock. Nothing a guard sends is dropped.

Which time counts: the action's time at the gate (the box's clock), but never before the
gateway received the alert and never after it received the action, so no duration is negative
and none is in the future (docs/lifecycle.md, "Which clock each time uses").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from anju_contracts import AlertAction, AlertActionKind, AlertUpdated, format_ts
from anju_contracts.common import parse_ts
from anju_gateway.alerts.feed import publish
from anju_gateway.alerts.routing import Handler, property_clocks
from anju_gateway.events import EventHub
from anju_gateway.store import Database
from anju_gateway.store.alerts import LifecycleState, lifecycle_state, set_columns
from anju_gateway.store.edge_actions import claim
from anju_gateway.store.events import AlertEvent, add_event

logger = logging.getLogger(__name__)

CLOSED = ("resolved", "false_alarm")
# The audit actions a gate writes (the console labels them).
ACKNOWLEDGE = "property_acknowledge"  # 物业签收
CLOSE = "property_close"  # 物业销号
ARRIVED = "property_arrived"  # 物业到场
NOTE = "property_note"  # 物业备注


@dataclass(frozen=True, slots=True)
class GateStep:
    action: str
    note: str
    columns: dict[str, str | None] = field(default_factory=dict)
    from_state: str | None = None
    to_state: str | None = None  # set only when the alert's state changes


def decide_gate(current: LifecycleState, kind: AlertActionKind, *, actor: str, at: str,
                note: str) -> GateStep:  # fmt: skip
    """The step a guard's action makes (pure: no store, no clock)."""
    on_track = property_clocks(current.handler) and current.state not in CLOSED
    owns_state = current.handler == Handler.property
    if kind is AlertActionKind.acknowledge:
        if on_track and current.property_acknowledged_at is None and not current.property_closed_at:
            columns: dict[str, str | None] = {"property_owner": actor,
                                              "property_acknowledged_at": at}  # fmt: skip
            if owns_state and current.state == "new":
                columns["state"] = "acknowledged"
                return GateStep(ACKNOWLEDGE, note or "门岗已签收", columns, "new", "acknowledged")
            return GateStep(ACKNOWLEDGE, note or "门岗已签收", columns)
        return GateStep(ARRIVED, note or "物业已到场")
    if kind is AlertActionKind.close:
        if on_track and current.property_closed_at is None:
            columns = {"property_closed_at": at}
            if current.property_acknowledged_at is None:
                columns |= {"property_owner": actor, "property_acknowledged_at": at}
            if owns_state:
                columns |= {"state": "resolved", "resolution": "handled", "resolution_note": note}
                return GateStep(CLOSE, note or "门岗已销号", columns, current.state, "resolved")
            return GateStep(CLOSE, note or "门岗已销号", columns)
        return GateStep(NOTE, note or "物业报告已处置")
    return GateStep(NOTE, note)


def counted_time(at_gate: datetime, received_at: str, now: datetime) -> datetime:
    """The gate's time, no earlier than the alert's receipt, no later than now (the action's)."""
    return min(max(at_gate, parse_ts(received_at)), now)


@dataclass(frozen=True, slots=True)
class GateOutcome:
    alert_id: str
    compound_id: str
    action: str
    state: str
    applied: bool  # False: this action id was applied before (a resend)


def apply_gate_action(
    db: Database, action: AlertAction, *, compound_id: str, edge_id: str, now: datetime,
    hub: EventHub | None = None,
) -> GateOutcome | None:  # fmt: skip
    """Apply one gate action once (idempotent by ``action_id``); None for an unknown alert."""
    actor = f"{compound_id}:{action.actor}"
    with db.write() as conn:
        current = lifecycle_state(conn, alert_id=action.alert_id)
        if current is None:
            return None
        if not claim(conn, action_id=action.action_id, edge_id=edge_id,
                     alert_id=action.alert_id, now=format_ts(now)):  # fmt: skip
            return GateOutcome(action.alert_id, current.compound_id, "", current.state, False)
        at = counted_time(action.ts, current.received_at, now)
        stamp = format_ts(at)
        note = action.note.strip()
        step = decide_gate(current, action.action, actor=actor, at=stamp, note=note)
        audited = step.note
        if at != action.ts:
            audited = f"{audited}（门岗时钟 {format_ts(action.ts)}）".strip()
        if step.columns:
            set_columns(conn, alert_id=action.alert_id, values=step.columns)
        add_event(conn, alert_id=action.alert_id, event=AlertEvent(
            at=stamp, actor=actor, action=step.action, from_state=step.from_state,
            to_state=step.to_state, note=audited))  # fmt: skip
    state = step.to_state or current.state
    if hub is not None:
        update = AlertUpdated(compound_id=current.compound_id, id=action.alert_id, state=state,
                              action=step.action, actor=actor, at=stamp)  # fmt: skip
        publish(hub, update)
    logger.info("alert %s: gate %s by %s (%s)", action.alert_id, step.action, actor, state)
    return GateOutcome(action.alert_id, current.compound_id, step.action, state, True)
