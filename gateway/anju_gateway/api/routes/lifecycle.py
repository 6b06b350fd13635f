"""Alert transitions (acknowledge, dispatch, resolve, false alarm, reopen, note) and the audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import Field

from anju_contracts import Strict
from anju_gateway.alerts.lifecycle import UnknownAlert, transition
from anju_gateway.alerts.machine import (
    Action,
    Forbidden,
    IllegalTransition,
    InvalidRequest,
    PropertyAlert,
    Resolution,
    check_actor,
    check_request,
)
from anju_gateway.api.deps import ClockDep, CurrentUser, DbDep, HubDep, UserScope
from anju_gateway.api.schemas import EventView
from anju_gateway.store.alerts import get_alert
from anju_gateway.store.events import list_events

router = APIRouter(prefix="/api/v1/alerts", tags=["lifecycle"])

PATHS = {
    "acknowledge": Action.acknowledge,
    "dispatch": Action.dispatch,
    "resolve": Action.resolve,
    "false-alarm": Action.false_alarm,
    "reopen": Action.reopen,
    "note": Action.note,
}


class TransitionRequest(Strict):
    note: str = Field(default="", max_length=500, description="Free text, audited.")
    resolution: Resolution | None = Field(
        default=None, description="Required to resolve or mark a false alarm."
    )
    target: str = Field(
        default="",
        max_length=64,
        pattern=r"^[^\[\]]*$",
        description="Whom a dispatch sends (派警对象): an officer's name from "
        "GET /api/v1/dispatch-targets or a unit typed freely; the console requires it, the API "
        "accepts a dispatch without one (older clients).",
    )


class TransitionResponse(Strict):
    id: str
    state: str
    changed: bool


def _visible(db: DbDep, scope: UserScope, alert_id: str) -> None:
    alert = get_alert(db.conn(), alert_id=alert_id)
    if alert is None or not scope.allows(alert.compound_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert")


@router.post("/{alert_id}/{action}", response_model=TransitionResponse)
def act(
    alert_id: Annotated[str, Path(max_length=26)],
    action: Annotated[
        str, Path(pattern="^(acknowledge|dispatch|resolve|false-alarm|reopen|note)$")
    ],
    body: TransitionRequest,
    user: CurrentUser,
    scope: UserScope,
    db: DbDep,
    hub: HubDep,
    clock: ClockDep,
) -> TransitionResponse:
    what = PATHS[action]
    try:
        check_actor(user.role, what)
    except Forbidden as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    _visible(db, scope, alert_id)
    try:
        resolution = check_request(what, body.resolution, body.note, body.target)
    except InvalidRequest as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    try:
        outcome = transition(db, alert_id, what, user.username, clock.now(), note=body.note,
                             resolution=resolution, hub=hub, target=body.target)  # fmt: skip
    except (IllegalTransition, PropertyAlert) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    except UnknownAlert:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert") from None
    return TransitionResponse(id=alert_id, state=outcome.state, changed=outcome.changed)


@router.get("/{alert_id}/events", response_model=list[EventView])
def events(
    alert_id: Annotated[str, Path(max_length=26)], db: DbDep, scope: UserScope
) -> list[EventView]:
    _visible(db, scope, alert_id)
    return list_events(db.conn(), alert_id=alert_id)
