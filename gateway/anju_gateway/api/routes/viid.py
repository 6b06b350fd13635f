"""A precinct's GA/T 1400 (视图库) upper system: set it, read it, see the link's state (admins).
The password is write-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from anju_contracts import format_ts
from anju_gateway.api.deps import ClockDep, DbDep, require_roles
from anju_gateway.precinct.viid_config import (
    ViidLinkRequest,
    ViidLinkView,
    ViidStatusView,
    link_view,
    set_link,
    status_view,
)
from anju_gateway.store import viid as store
from anju_gateway.store.compounds import precinct_exists
from anju_gateway.store.users import Role, User

router = APIRouter(prefix="/api/v1/precincts", tags=["precincts"])

Admin = Annotated[User, Depends(require_roles(Role.admin))]


@router.put("/{precinct_id}/viid", response_model=ViidLinkView)
def put_viid(
    precinct_id: str, body: ViidLinkRequest, request: Request, user: Admin, db: DbDep,
    clock: ClockDep,
) -> ViidLinkView:  # fmt: skip
    if not precinct_exists(db.conn(), precinct_id=precinct_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such precinct")
    data_dir = request.app.state.settings.data_dir
    try:
        view = set_link(db, data_dir, precinct_id, body, actor=user.username,
                        now=format_ts(clock.now()))  # fmt: skip
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    link = getattr(request.app.state, "viid_link", None)
    if link is not None:
        link.notify()
    return view


@router.get("/{precinct_id}/viid", response_model=ViidLinkView)
def get_viid(precinct_id: str, request: Request, user: Admin, db: DbDep) -> ViidLinkView:
    row = store.get_link(db.conn(), precinct_id=precinct_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="this precinct has no 视图库 link")
    return link_view(row, request.app.state.settings.data_dir)


@router.get("/{precinct_id}/viid/status", response_model=ViidStatusView)
def get_viid_status(precinct_id: str, request: Request, user: Admin, db: DbDep) -> ViidStatusView:
    view = status_view(db, request.app.state.settings.data_dir, precinct_id)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="this precinct has no 视图库 link")
    return view
