"""The edge boxes' side of the API: enrolment and alert ingest (device-token auth)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, status

from anju_common.ratelog import RateLimitedLog
from anju_contracts import AlertBatch, AlertBatchResult, EnrolRequest, EnrolResponse
from anju_gateway.api.deps import ClockDep, CurrentEdge, DbDep, HubDep, SettingsDep
from anju_gateway.edges.enrolment import EnrolError, enrol
from anju_gateway.edges.ingest import BadSnapshot, ForeignCompound, ingest_batch
from anju_gateway.metrics import REJECTED

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

router = APIRouter(prefix="/api/v1/edge", tags=["edge"])


@router.post("/enrol", response_model=EnrolResponse)
def enrol_edge(body: EnrolRequest, db: DbDep, clock: ClockDep) -> EnrolResponse:
    try:
        response = enrol(db, code=body.code, hostname=body.hostname, now=clock.now())
    except EnrolError as exc:
        REJECTED.labels(reason="enrol_code").inc()
        _ratelog.warning("enrol", "enrolment refused: %s", exc)
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    logger.info("edge %s enrolled for compound %s", response.edge_id, response.compound_id)
    return response


@router.post("/alerts", response_model=AlertBatchResult)
def post_alerts(
    body: AlertBatch,
    edge: CurrentEdge,
    db: DbDep,
    hub: HubDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> AlertBatchResult:
    try:
        return ingest_batch(db, hub, edge=edge, batch=body, now=clock.now(), settings=settings)
    except ForeignCompound as exc:
        REJECTED.labels(reason="foreign_compound").inc()
        _ratelog.warning(f"foreign:{edge.id}", "edge %s: %s", edge.id, exc)
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    except BadSnapshot as exc:
        REJECTED.labels(reason="bad_image").inc()
        _ratelog.warning(f"snapshot:{edge.id}", "edge %s: %s", edge.id, exc)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
