"""Alert transitions (acknowledge, dispatch, resolve, false alarm, reopen, note) and the audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import Field

from anju_gateway.alerts.lifecycle import (
    Action,
    IllegalTransition,
    Resolution,
    UnknownAlert,
    transition,
)
from anju_gateway.api.deps import ClockDep, CurrentUser, DbDep, HubDep, UserScope
from anju_gateway.api.schemas import Strict
from anju_gateway.store.alerts import get_alert
from anju_gateway.store.lifecycle import list_events
from anju_gateway.store.users import Role

router = APIRouter(prefix="/api/v1/alerts", tags=["lifecycle"])

ACTORS = (Role.officer, Role.supervisor, Role.admin)
PATHS = {
    "acknowledge": Action.acknowledge,
    "dispatch": Action.dispatch,
    "resolve": Action.resolve,
    "false-alarm": Action.false_alarm,
    "reopen": Action.reopen,
    "note": Action.note,
}
FALSE_ALARM = {
    Resolution.false_detection,
    Resolution.resident,
    Resolution.device_fault,
    Resolution.test,
}


class TransitionRequest(Strict):
    note: str = Field(default="", max_length=500, description="Free text, audited.")
    resolution: Resolution | None = Field(
        default=None, description="Required to resolve or mark a false alarm."
    )


class TransitionResponse(Strict):
    id: str
    state: str
    changed: bool


class EventView(Strict):
    at: str
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str


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
    if user.role not in ACTORS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="只有民警可以处置告警 / officers only"
        )
    if what is Action.reopen and user.role not in (Role.supervisor, Role.admin):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="只有值班领导可以重开 / supervisors only"
        )
    alert = get_alert(db.conn(), alert_id)
    if alert is None or not scope.allows(alert.compound_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert")
    if what is Action.resolve and (body.resolution is None or body.resolution in FALSE_ALARM):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail="resolve needs a resolution: handled, apprehended, referred or no_finding",
        )
    resolution = body.resolution
    if what is Action.false_alarm:
        resolution = resolution or Resolution.false_detection
        if resolution not in FALSE_ALARM:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail="false alarm resolution: false_detection, resident, device_fault or test",
            )
    if what is Action.note and not body.note.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="a note needs text")
    try:
        outcome = transition(
            db,
            alert_id,
            what,
            user.username,
            clock.now(),
            note=body.note,
            resolution=resolution,
            hub=hub,
        )
    except IllegalTransition as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    except UnknownAlert:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert") from None
    return TransitionResponse(id=alert_id, state=outcome.state, changed=outcome.changed)


@router.get("/{alert_id}/events", response_model=list[EventView])
def events(
    alert_id: Annotated[str, Path(max_length=26)], db: DbDep, scope: UserScope
) -> list[EventView]:
    alert = get_alert(db.conn(), alert_id)
    if alert is None or not scope.allows(alert.compound_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert")
    return [
        EventView(
            at=e.at,
            actor=e.actor,
            action=e.action,
            from_state=e.from_state,
            to_state=e.to_state,
            note=e.note,
        )
        for e in list_events(db.conn(), alert_id)
    ]
