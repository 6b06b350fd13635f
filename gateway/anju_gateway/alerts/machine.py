"""The alert lifecycle as a pure state machine: no database, no clock, no metrics.

new -> acknowledged (owner) -> dispatched -> resolved | false_alarm. A supervisor (or admin)
can reopen a closed alert; it goes back to acknowledged with the supervisor as owner. A note
changes nothing but is audited. Repeating the step that led to the current state changes
nothing (a double click); any other step from the wrong state is refused.

:func:`check_actor` and :func:`check_request` refuse what a caller may not ask;
:func:`decide` turns (current state, action, actor, time, note, resolution) into a :class:`Step`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from anju_gateway.store.users import Role


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


FALSE_ALARM = frozenset(
    {Resolution.false_detection, Resolution.resident, Resolution.device_fault, Resolution.test}
)
CLOSED = ("resolved", "false_alarm")
# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[tuple[str, ...], str]] = {
    Action.acknowledge: (("new",), "acknowledged"),
    Action.dispatch: (("acknowledged",), "dispatched"),
    Action.resolve: (("acknowledged", "dispatched"), "resolved"),
    Action.false_alarm: (("new", "acknowledged", "dispatched"), "false_alarm"),
    Action.reopen: (CLOSED, "acknowledged"),
}
ACTORS = (Role.officer, Role.supervisor, Role.admin)


class Refused(Exception):
    """The step is refused; ``reason`` says why: forbidden, invalid or illegal."""

    reason: Literal["forbidden", "invalid", "illegal"]


class Forbidden(Refused):
    reason = "forbidden"


class InvalidRequest(Refused):
    reason = "invalid"


class PropertyAlert(Refused):
    """An alert routed to the property only: police read it and add notes; the gate works it."""

    reason = "illegal"

    def __init__(self, action: Action) -> None:
        super().__init__(
            f"物业处置的告警，民警只读 / cannot {action.value} an alert routed to the property: "
            "it is acknowledged and closed at the gate console"
        )
        self.action = action


class IllegalTransition(Refused):
    reason = "illegal"

    def __init__(self, action: Action, state: str) -> None:
        super().__init__(f"cannot {action.value} an alert that is {state}")
        self.action = action
        self.state = state


def check_actor(role: Role, action: Action) -> None:
    """Officers, supervisors and admins act on alerts; only supervisors and admins reopen."""
    if role not in ACTORS:
        raise Forbidden("只有民警可以处置告警 / officers only")
    if action is Action.reopen and role not in (Role.supervisor, Role.admin):
        raise Forbidden("只有值班领导可以重开 / supervisors only")


def check_request(
    action: Action, resolution: Resolution | None, note: str, target: str = ""
) -> Resolution | None:
    """The resolution the step records; refuses a missing or mismatched one and an empty note.
    A dispatch's target (派警对象) is asked for by the console; the API still takes a dispatch
    without one, as clients written before targets existed send it."""
    del target
    if action is Action.resolve and (resolution is None or resolution in FALSE_ALARM):
        raise InvalidRequest(
            "resolve needs a resolution: handled, apprehended, referred or no_finding"
        )
    if action is Action.false_alarm:
        resolution = resolution or Resolution.false_detection
        if resolution not in FALSE_ALARM:
            raise InvalidRequest(
                "false alarm resolution: false_detection, resident, device_fault or test"
            )
    if action is Action.note and not note.strip():
        raise InvalidRequest("a note needs text")
    return resolution


@dataclass(frozen=True, slots=True)
class Step:
    """What one action does to an alert: the new state, the columns to set, the audit note."""

    from_state: str
    to_state: str
    changed: bool
    columns: dict[str, str | None] = field(default_factory=dict)
    note: str = ""
    timer: Literal["ack", "close"] | None = None  # which time-to-* the step completes


def decide(
    state: str,
    acknowledged_at: str | None,
    action: Action,
    *,
    actor: str,
    at: str,
    note: str = "",
    resolution: Resolution | None = None,
    handler: str = "police",
    dispatched_to: str = "",
) -> Step:
    """The step ``action`` makes from ``state``; raises IllegalTransition, or PropertyAlert
    for anything but a note on an alert routed to the property only."""
    if action is Action.note:
        return Step(state, state, changed=True, note=note)
    if handler == "property":
        raise PropertyAlert(action)
    sources, target = TRANSITIONS[action]
    if state == target and action is not Action.reopen:
        return Step(state, state, changed=False)
    if state not in sources:
        raise IllegalTransition(action, state)
    columns: dict[str, str | None] = {"state": target}
    timer: Literal["ack", "close"] | None = None
    if action is Action.acknowledge:
        columns |= {"owner": actor, "acknowledged_at": at}
        timer = "ack"
    elif action is Action.dispatch:
        columns |= {"dispatched_at": at, "dispatched_to": dispatched_to.strip()}
    elif action in (Action.resolve, Action.false_alarm):
        columns |= {
            "closed_at": at,
            "resolution": resolution.value if resolution else "",
            "resolution_note": note,
        }
        if acknowledged_at is None:
            columns |= {"owner": actor, "acknowledged_at": at}
        timer = "close"
    else:  # reopen
        columns |= {"owner": actor, "closed_at": None, "resolution": None, "resolution_note": None}
    # The audit keeps the resolution, or whom it was dispatched to, in brackets before the note.
    to = dispatched_to.strip() if action is Action.dispatch else ""
    tag = resolution.value if resolution else to
    audited = f"[{tag}] {note}".strip() if tag else note
    return Step(state, target, changed=True, columns=columns, note=audited, timer=timer)
