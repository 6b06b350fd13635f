"""Vehicle passage upload (智能卡口): the per-compound switch (admins) and the edges' ingest.

``PUT /api/v1/compounds/{id}/passage-upload`` ``{"enabled": bool}`` turns it on or off; the
change reaches the compound's edge through the edge sync at once. ``POST
/api/v1/edge/passages`` takes a ``PassageBatch`` from a box and answers one receipt per id.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from anju_contracts import AlertBatchResult, PassageBatch, format_ts
from anju_contracts.common import Strict
from anju_gateway.api.deps import ClockDep, CurrentEdge, DbDep, require_roles
from anju_gateway.events import Event, EventHub
from anju_gateway.precinct.viid_passages import ForeignPassage, ingest_passages
from anju_gateway.store import passages as store
from anju_gateway.store.compounds import get_compound
from anju_gateway.store.users import Role, User

logger = logging.getLogger(__name__)

router = APIRouter(tags=["passages"])

Admin = Annotated[User, Depends(require_roles(Role.admin))]


class PassageUploadRequest(Strict):
    enabled: bool


@router.put("/api/v1/compounds/{compound_id}/passage-upload", response_model=store.PassageSwitch)
def put_passage_upload(
    compound_id: str, body: PassageUploadRequest, request: Request, user: Admin, db: DbDep,
    clock: ClockDep,
) -> store.PassageSwitch:  # fmt: skip
    with db.write() as conn:
        if get_compound(conn, compound_id=compound_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such compound")
        switch = store.set_switch(
            conn, compound_id=compound_id, enabled=body.enabled, actor=user.username,
            now=format_ts(clock.now()),
        )  # fmt: skip
    logger.info("passage upload of %s %s by %s", compound_id,
                "on" if body.enabled else "off", user.username)  # fmt: skip
    hub: EventHub = request.app.state.sync_hub  # wakes the edge's long-poll
    hub.publish(Event("sync.changed", None, {}))
    return switch


@router.get("/api/v1/compounds/{compound_id}/passage-upload", response_model=store.PassageSwitch)
def get_passage_upload(compound_id: str, user: Admin, db: DbDep) -> store.PassageSwitch:
    if get_compound(db.conn(), compound_id=compound_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such compound")
    return store.get_switch(db.conn(), compound_id=compound_id)


@router.post("/api/v1/edge/passages", response_model=AlertBatchResult)
def post_passages(
    body: PassageBatch, request: Request, edge: CurrentEdge, db: DbDep, clock: ClockDep
) -> AlertBatchResult:
    try:
        result, queued = ingest_passages(db, edge=edge, batch=body, now=clock.now())
    except ForeignPassage as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    link = getattr(request.app.state, "viid_link", None)
    if queued and link is not None:
        link.notify()
    return result
