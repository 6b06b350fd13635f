"""Reading alerts, always through the caller's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import AwareDatetime

from anju_contracts import format_ts
from anju_gateway.alerts.sla import outcomes
from anju_gateway.api.deps import ClockDep, DbDep, UserScope
from anju_gateway.api.schemas import AlertDetail, AlertList
from anju_gateway.store.alerts import AlertQuery, StoredAlert, get_alert, get_snapshot, query_alerts
from anju_gateway.store.names import name_alerts

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


@router.get("", response_model=AlertList)
def list_alerts(
    db: DbDep,
    scope: UserScope,
    compound_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    severity: Annotated[str | None, Query(max_length=16)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    handler: Annotated[
        str | None, Query(pattern="^(police|property|both)$", description="分类处置")
    ] = None,
    source_id: Annotated[
        str | None, Query(max_length=64, description="One gate or camera (its id).")
    ] = None,
    zone: Annotated[str | None, Query(max_length=64, description="One zone (its id).")] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="ISO-8601 with offset, e.g. 2026-11-23T00:00:00Z")
    ] = None,
    until: Annotated[AwareDatetime | None, Query(description="ISO-8601 with offset")] = None,
    before: Annotated[str | None, Query(max_length=26)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertList:
    if not scope.sees_alerts:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="your role sees no alerts")
    compounds = scope.compound_ids
    if compound_id is not None:
        if not scope.allows(compound_id):
            return AlertList(alerts=[])
        compounds = (compound_id,)
    rows = query_alerts(
        db.conn(),
        AlertQuery(
            compound_ids=compounds,
            kind=kind,
            severity=severity,
            state=state,
            handler=handler,
            source_id=source_id,
            zone=zone,
            since=format_ts(since) if since else None,
            until=format_ts(until) if until else None,
            before_id=before,
            limit=limit,
        ),
    )
    views = name_alerts(db.conn(), rows)
    return AlertList(alerts=views, next_before=views[-1].id if len(views) == limit else None)


def _visible(db: DbDep, scope: UserScope, alert_id: str) -> StoredAlert:
    alert = get_alert(db.conn(), alert_id=alert_id)
    # Not-found and not-yours look the same, so ids of other compounds leak nothing.
    if alert is None or not scope.allows(alert.compound_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert")
    return alert


@router.get("/{alert_id}", response_model=AlertDetail)
def read_alert(alert_id: str, db: DbDep, scope: UserScope, clock: ClockDep) -> AlertDetail:
    alert = name_alerts(db.conn(), [_visible(db, scope, alert_id)])[0]
    return AlertDetail(**alert.model_dump(), sla=outcomes(alert, clock.now()))


@router.get("/{alert_id}/snapshot.jpg", response_class=Response)
def read_snapshot(alert_id: str, db: DbDep, scope: UserScope) -> Response:
    _visible(db, scope, alert_id)
    jpeg = get_snapshot(db.conn(), alert_id=alert_id)
    if jpeg is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="this alert has no snapshot")
    return Response(
        jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"}
    )
