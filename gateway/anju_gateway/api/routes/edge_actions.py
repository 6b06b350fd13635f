"""Acknowledgements and notes made at the gate console, applied once through the lifecycle."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status

from anju_contracts import AlertAction, AlertActionKind, format_ts
from anju_gateway.alerts.lifecycle import Action, IllegalTransition, transition
from anju_gateway.api.deps import ClockDep, CurrentEdge, DbDep, HubDep
from anju_gateway.metrics import REJECTED
from anju_gateway.store.alerts import get_alert
from anju_gateway.store.edge_actions import claim

router = APIRouter(prefix="/api/v1/edge", tags=["edge"])


@router.post("/alert-actions", status_code=status.HTTP_204_NO_CONTENT)
def alert_action(
    body: AlertAction, edge: CurrentEdge, db: DbDep, hub: HubDep, clock: ClockDep
) -> Response:
    alert = get_alert(db.conn(), alert_id=body.alert_id)
    if alert is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert")
    if alert.compound_id != edge.compound_id:
        REJECTED.labels(reason="foreign_compound").inc()
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not an alert of this compound")
    with db.write() as conn:
        fresh = claim(
            conn,
            action_id=body.action_id,
            edge_id=edge.id,
            alert_id=body.alert_id,
            now=format_ts(clock.now()),
        )
    if not fresh:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    actor = f"{edge.compound_id}:{body.actor}"
    note = body.note or (
        "门岗已签收 acknowledged at the gate" if body.action is AlertActionKind.acknowledge else ""
    )
    action = Action.acknowledge if body.action is AlertActionKind.acknowledge else Action.note
    try:
        transition(db, body.alert_id, action, actor, body.ts, note=note, hub=hub)
    except IllegalTransition:
        # Already past `new` (an officer has it): keep their ownership, record the gate's word.
        transition(
            db,
            body.alert_id,
            Action.note,
            actor,
            body.ts,
            note=f"[门岗签收 gate acknowledged] {note}".strip(),
            hub=hub,
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
