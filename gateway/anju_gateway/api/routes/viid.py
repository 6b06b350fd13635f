"""A precinct's GA/T 1400 (视图库) upper system: set it, read it, see the link's state (admins;
the password is write-only); ``POST /VIID/Dispositions``, where the upper system sends its
dispositions (布控), and ``GET /VIID/APEs``, where it reads our devices (采集设备), both signed
in by Digest with the precinct link's own account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from anju_contracts import format_ts
from anju_contracts.viid import DispositionList
from anju_gateway.api.deps import ClockDep, DbDep, require_roles
from anju_gateway.precinct.gbcodes import ape_list
from anju_gateway.precinct.viid_config import (
    ViidLinkRequest,
    ViidLinkView,
    ViidStatusView,
    link_view,
    set_link,
    status_view,
)
from anju_gateway.precinct.viid_digest import DigestVerifier
from anju_gateway.precinct.viid_dispositions import apply as apply_dispositions
from anju_gateway.precinct.viid_secrets import secrets_for
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
    return link_view(db, row, request.app.state.settings.data_dir)


@router.get("/{precinct_id}/viid/status", response_model=ViidStatusView)
def get_viid_status(precinct_id: str, request: Request, user: Admin, db: DbDep) -> ViidStatusView:
    view = status_view(db, request.app.state.settings.data_dir, precinct_id)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="this precinct has no 视图库 link")
    return view


# --- what the upper system sends us: dispositions (布控), signed in with the link's account ---

viid_router = APIRouter(prefix="/VIID", tags=["viid"])
_digest = DigestVerifier()


def _signed_in(request: Request, db: DbDep, url: str) -> str | Response:
    """The precinct whose link's account signed the request in by Digest, or the answer that
    refuses it (401 with a fresh challenge, 400 without ``User-Identify``)."""
    links = {x.username: x for x in store.list_links(db.conn()) if x.enabled}
    secrets = secrets_for(db, request.app.state.settings.data_dir)

    def password_of(user: str) -> str | None:
        link = links.get(user)
        return None if link is None else secrets.get(link.precinct_id)

    header = request.headers.get("Authorization", "")
    user, stale = _digest.verify(request.method, header, password_of)
    if user is None:
        return JSONResponse({}, status_code=401,
                            headers={"WWW-Authenticate": _digest.challenge(stale)})  # fmt: skip
    if not request.headers.get("User-Identify"):
        return _one_status(url, 4, "User-Identify missing", status_code=400)
    return links[user].precinct_id


@viid_router.post("/Dispositions")
def receive_dispositions(
    body: Annotated[dict[str, Any], Body()], request: Request, db: DbDep, clock: ClockDep
) -> Response:
    precinct = _signed_in(request, db, "/VIID/Dispositions")
    if isinstance(precinct, Response):
        return precinct
    try:
        items = DispositionList.model_validate(body).list_object.objects
    except ValidationError as exc:
        text = f"Invalid JSON Content: {exc.errors()[0]['msg']}"[:200]
        return _one_status("/VIID/Dispositions", 8, text)
    with db.write() as conn:
        statuses = apply_dispositions(conn, precinct, items, format_ts(clock.now()))
    return JSONResponse({"ResponseStatusListObject": {"ResponseStatusObject": statuses}})


@viid_router.get("/APEs")
def query_apes(request: Request, db: DbDep) -> Response:
    """The precinct's coded gates and cameras as 采集设备 (APEListObject)."""
    precinct = _signed_in(request, db, "/VIID/APEs")
    if isinstance(precinct, Response):
        return precinct
    return JSONResponse(ape_list(db.conn(), precinct).to_wire())


def _one_status(url: str, code: int, text: str, status_code: int = 200) -> Response:
    obj = {"RequestURL": url, "StatusCode": code, "StatusString": text}
    return JSONResponse({"ResponseStatusObject": obj}, status_code=status_code)
