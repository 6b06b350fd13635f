"""Alert transitions applied: read the state, let the machine decide, store the step and its
audit event in one transaction, then count it and put it on the live feed.

The rules live in :mod:`anju_gateway.alerts.machine`; permission checks belong to the caller
(the officers' API, the gate console's edge actions). An illegal step raises IllegalTransition
(HTTP 409); repeating the step that led to the current state changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from anju_contracts import AlertUpdated, format_ts
from anju_contracts.common import parse_ts
from anju_gateway.alerts.feed import publish
from anju_gateway.alerts.machine import (
    Action,
    IllegalTransition,
    PropertyAlert,
    Resolution,
    Step,
    decide,
)
from anju_gateway.events import EventHub
from anju_gateway.metrics import TIME_TO_ACK, TIME_TO_CLOSE
from anju_gateway.store import Database
from anju_gateway.store.alerts import lifecycle_state, set_columns
from anju_gateway.store.events import AlertEvent, add_event

logger = logging.getLogger(__name__)

__all__ = [
    "Action",
    "IllegalTransition",
    "Outcome",
    "PropertyAlert",
    "Resolution",
    "UnknownAlert",
    "transition",
]


class UnknownAlert(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Outcome:
    alert_id: str
    compound_id: str
    state: str
    changed: bool


def _observe(step: Step, received_at: str, now: datetime) -> None:
    if step.timer is not None:
        timer = TIME_TO_ACK if step.timer == "ack" else TIME_TO_CLOSE
        timer.observe(max(0.0, (now - parse_ts(received_at)).total_seconds()))


def transition(
    db: Database,
    alert_id: str,
    action: Action,
    actor: str,
    now: datetime,
    note: str = "",
    resolution: Resolution | None = None,
    hub: EventHub | None = None,
    target: str = "",
) -> Outcome:
    """Apply one action. Permission checks belong to the caller (API, edge actions)."""
    stamp = format_ts(now)
    with db.write() as conn:
        current = lifecycle_state(conn, alert_id=alert_id)
        if current is None:
            raise UnknownAlert(alert_id)
        step = decide(current.state, current.acknowledged_at, action, actor=actor, at=stamp,
                      note=note, resolution=resolution, handler=current.handler,
                      dispatched_to=target)  # fmt: skip
        if not step.changed:
            return Outcome(alert_id, current.compound_id, step.to_state, False)
        if step.columns:
            set_columns(conn, alert_id=alert_id, values=step.columns)
        event = AlertEvent(at=stamp, actor=actor, action=action.value, from_state=step.from_state,
                           to_state=step.to_state, note=step.note)  # fmt: skip
        add_event(conn, alert_id=alert_id, event=event)
    _observe(step, current.received_at, now)
    if hub is not None:
        update = AlertUpdated(compound_id=current.compound_id, id=alert_id, state=step.to_state,
                              action=action.value, actor=actor, at=stamp)  # fmt: skip
        publish(hub, update)
    logger.info("alert %s: %s by %s -> %s", alert_id, action.value, actor, step.to_state)
    return Outcome(alert_id, current.compound_id, step.to_state, True)
