"""The lifecycle state machine on its own: no database, no server, no clock."""

from __future__ import annotations

import pytest

from anju_gateway.alerts.machine import (
    TRANSITIONS,
    Action,
    Forbidden,
    IllegalTransition,
    InvalidRequest,
    Resolution,
    check_actor,
    check_request,
    decide,
)
from anju_gateway.store.users import Role

AT = "2026-11-23T14:08:00.000Z"
STATES = ("new", "acknowledged", "dispatched", "resolved", "false_alarm")


def test_the_happy_path() -> None:
    step = decide("new", None, Action.acknowledge, actor="wang", at=AT)
    assert (step.from_state, step.to_state, step.changed, step.timer) == (
        "new",
        "acknowledged",
        True,
        "ack",
    )
    assert step.columns == {"state": "acknowledged", "owner": "wang", "acknowledged_at": AT}
    step = decide("acknowledged", AT, Action.dispatch, actor="wang", at=AT, note="北门",
                  dispatched_to="巡逻一组")  # fmt: skip
    assert step.columns == {"state": "dispatched", "dispatched_at": AT, "dispatched_to": "巡逻一组"}
    assert step.note == "[巡逻一组] 北门"
    step = decide("dispatched", AT, Action.resolve, actor="wang", at=AT, note="done",
                  resolution=Resolution.handled)  # fmt: skip
    assert step.to_state == "resolved" and step.timer == "close"
    assert step.columns == {
        "state": "resolved",
        "closed_at": AT,
        "resolution": "handled",
        "resolution_note": "done",
    }
    assert step.note == "[handled] done"


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.note])
@pytest.mark.parametrize("state", STATES)
def test_every_state_and_action(state: str, action: Action) -> None:
    sources, target = TRANSITIONS[action]
    if state == target and action is not Action.reopen:
        step = decide(state, AT, action, actor="wang", at=AT)
        assert not step.changed and not step.columns  # a double click changes nothing
    elif state in sources:
        step = decide(state, AT, action, actor="wang", at=AT)
        assert step.changed and step.columns["state"] == target
    else:
        with pytest.raises(IllegalTransition, match=f"cannot {action.value} an alert that is"):
            decide(state, AT, action, actor="wang", at=AT)


def test_closing_an_unacknowledged_alert_makes_the_closer_its_owner() -> None:
    step = decide("new", None, Action.false_alarm, actor="li", at=AT,
                  resolution=Resolution.resident)  # fmt: skip
    assert step.columns["owner"] == "li" and step.columns["acknowledged_at"] == AT
    assert step.columns["resolution"] == "resident"


def test_reopen_clears_the_resolution_and_takes_ownership() -> None:
    step = decide("resolved", AT, Action.reopen, actor="chief", at=AT)
    assert step.columns == {
        "state": "acknowledged",
        "owner": "chief",
        "closed_at": None,
        "resolution": None,
        "resolution_note": None,
    }


def test_a_note_keeps_the_state() -> None:
    step = decide("dispatched", AT, Action.note, actor="wang", at=AT, note="on site")
    assert (step.to_state, step.changed, step.columns, step.note) == (
        "dispatched",
        True,
        {},
        "on site",
    )


def test_who_may_act() -> None:
    for role in (Role.officer, Role.supervisor, Role.admin):
        check_actor(role, Action.acknowledge)
    for role in (Role.property_manager, Role.installer):
        with pytest.raises(Forbidden, match="officers only"):
            check_actor(role, Action.acknowledge)
    with pytest.raises(Forbidden, match="supervisors only"):
        check_actor(Role.officer, Action.reopen)
    check_actor(Role.supervisor, Action.reopen)


def test_what_a_request_must_carry() -> None:
    with pytest.raises(InvalidRequest, match="resolve needs a resolution"):
        check_request(Action.resolve, None, "")
    with pytest.raises(InvalidRequest, match="resolve needs a resolution"):
        check_request(Action.resolve, Resolution.test, "")
    assert check_request(Action.resolve, Resolution.referred, "") is Resolution.referred
    assert check_request(Action.false_alarm, None, "") is Resolution.false_detection
    with pytest.raises(InvalidRequest, match="false alarm resolution"):
        check_request(Action.false_alarm, Resolution.handled, "")
    with pytest.raises(InvalidRequest, match="a note needs text"):
        check_request(Action.note, None, "   ")
