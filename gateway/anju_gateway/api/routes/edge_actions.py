"""What guards do at the gate console (acknowledge, note, close), applied once each
(:mod:`anju_gateway.alerts.gate`); every action is recorded, none is dropped."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status

from anju_contracts import AlertAction
from anju_gateway.alerts.gate import apply_gate_action
from anju_gateway.api.deps import ClockDep, CurrentEdge, DbDep, HubDep
from anju_gateway.metrics import REJECTED
from anju_gateway.store.alerts import get_alert, merged_into

router = APIRouter(prefix="/api/v1/edge", tags=["edge"])


@router.post("/alert-actions", status_code=status.HTTP_204_NO_CONTENT)
def alert_action(
    body: AlertAction, edge: CurrentEdge, db: DbDep, hub: HubDep, clock: ClockDep
) -> Response:
    # A guard's card of a repeat outage carries the id the box gave it; the gateway kept it as
    # an occurrence of the device's open alert, which the action is for.
    body = body.model_copy(update={"alert_id": merged_into(db.conn(), alert_id=body.alert_id)})
    alert = get_alert(db.conn(), alert_id=body.alert_id)
    if alert is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert")
    if alert.compound_id != edge.compound_id:
        REJECTED.labels(reason="foreign_compound").inc()
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not an alert of this compound")
    outcome = apply_gate_action(db, body, compound_id=edge.compound_id, edge_id=edge.id,
                                now=clock.now(), hub=hub)  # fmt: skip
    if outcome is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
