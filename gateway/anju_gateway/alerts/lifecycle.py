"""The alert lifecycle: new -> acknowledged (owner) -> dispatched -> resolved | false_alarm.

A supervisor (or admin) can reopen a closed alert; it goes back to acknowledged with the
supervisor as owner. Every transition is audited; an illegal one raises IllegalTransition
(HTTP 409); repeating the transition that led to the current state changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from anju_contracts import format_ts
from anju_gateway.events import Event, EventHub
from anju_gateway.metrics import TIME_TO_ACK, TIME_TO_CLOSE
from anju_gateway.store import Database
from anju_gateway.store.lifecycle import add_event

logger = logging.getLogger(__name__)


class Action(StrEnum):
    acknowledge = "acknowledge"
    dispatch = "dispatch"
    resolve = "resolve"
    false_alarm = "false_alarm"
    reopen = "reopen"
    note = "note"


class Resolution(StrEnum):
    """Why an alert was closed (处置结果)."""

    handled = "handled"  # 已处置
    apprehended = "apprehended"  # 已抓获
    referred = "referred"  # 已移交
    no_finding = "no_finding"  # 到场未发现
    # false alarms
    false_detection = "false_detection"  # 误报
    resident = "resident"  # 住户/工作人员
    device_fault = "device_fault"  # 设备故障
    test = "test"  # 测试


CLOSED = ("resolved", "false_alarm")
# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[tuple[str, ...], str]] = {
    Action.acknowledge: (("new",), "acknowledged"),
    Action.dispatch: (("acknowledged",), "dispatched"),
    Action.resolve: (("acknowledged", "dispatched"), "resolved"),
    Action.false_alarm: (("new", "acknowledged", "dispatched"), "false_alarm"),
    Action.reopen: (CLOSED, "acknowledged"),
}


class IllegalTransition(Exception):
    def __init__(self, action: Action, state: str) -> None:
        super().__init__(f"cannot {action.value} an alert that is {state}")
        self.action = action
        self.state = state


class UnknownAlert(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Outcome:
    alert_id: str
    compound_id: str
    state: str
    changed: bool


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def transition(
    db: Database,
    alert_id: str,
    action: Action,
    actor: str,
    now: datetime,
    note: str = "",
    resolution: Resolution | None = None,
    hub: EventHub | None = None,
) -> Outcome:
    """Apply one action. Permission checks belong to the caller (API, edge actions)."""
    stamp = format_ts(now)
    with db.write() as conn:
        row = conn.execute(
            "SELECT compound_id, state, received_at, acknowledged_at FROM alerts WHERE id = ?",
            (alert_id,),
        ).fetchone()
        if row is None:
            raise UnknownAlert(alert_id)
        compound_id, state = row["compound_id"], row["state"]
        if action is Action.note:
            add_event(
                conn,
                alert_id=alert_id,
                at=stamp,
                actor=actor,
                action="note",
                from_state=state,
                to_state=state,
                note=note,
            )
            outcome = Outcome(alert_id, compound_id, state, True)
        else:
            sources, target = TRANSITIONS[action]
            if state == target and action is not Action.reopen:
                return Outcome(alert_id, compound_id, state, False)
            if state not in sources:
                raise IllegalTransition(action, state)
            sets = {"state": target}
            if action is Action.acknowledge:
                sets |= {"owner": actor, "acknowledged_at": stamp}
                TIME_TO_ACK.observe((now - _ts(row["received_at"])).total_seconds())
            elif action is Action.dispatch:
                sets |= {"dispatched_at": stamp}
            elif action in (Action.resolve, Action.false_alarm):
                sets |= {
                    "closed_at": stamp,
                    "resolution": resolution.value if resolution else "",
                    "resolution_note": note,
                }
                if row["acknowledged_at"] is None:
                    sets |= {"owner": actor, "acknowledged_at": stamp}
                TIME_TO_CLOSE.observe((now - _ts(row["received_at"])).total_seconds())
            elif action is Action.reopen:
                sets |= {
                    "owner": actor,
                    "closed_at": None,
                    "resolution": None,
                    "resolution_note": None,
                }
            assignments = ", ".join(f"{k} = ?" for k in sets)
            conn.execute(
                f"UPDATE alerts SET {assignments} WHERE id = ?", (*sets.values(), alert_id)
            )
            add_event(
                conn,
                alert_id=alert_id,
                at=stamp,
                actor=actor,
                action=action.value,
                from_state=state,
                to_state=target,
                note=note if not resolution else f"[{resolution.value}] {note}".strip(),
            )
            outcome = Outcome(alert_id, compound_id, target, True)
    if hub is not None:
        hub.publish(
            Event(
                "alert.updated",
                compound_id,
                {
                    "id": alert_id,
                    "state": outcome.state,
                    "action": action.value,
                    "actor": actor,
                    "at": stamp,
                },
            )
        )
    logger.info("alert %s: %s by %s -> %s", alert_id, action.value, actor, outcome.state)
    return outcome
