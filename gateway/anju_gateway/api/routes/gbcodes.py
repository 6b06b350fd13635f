"""Device codes at the gateway (admins): read a compound's codes in effect, set or clear the
gateway's code of its compound, gates and cameras. docs/precinct-link.md, "Device codes"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from anju_contracts import format_ts
from anju_gateway.api.deps import ClockDep, DbDep, require_roles
from anju_gateway.precinct.gbcodes import GbCodesRequest, GbCodesView, codes_view, set_codes
from anju_gateway.store.compounds import get_compound
from anju_gateway.store.users import Role, User

router = APIRouter(prefix="/api/v1/compounds", tags=["compounds"])

Admin = Annotated[User, Depends(require_roles(Role.admin))]


def _known(db: DbDep, compound_id: str) -> None:
    if get_compound(db.conn(), compound_id=compound_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such compound")


@router.get("/{compound_id}/gb-codes", response_model=GbCodesView)
def get_gb_codes(compound_id: str, user: Admin, db: DbDep) -> GbCodesView:
    _known(db, compound_id)
    return codes_view(db.conn(), compound_id)


@router.put("/{compound_id}/gb-codes", response_model=GbCodesView)
def put_gb_codes(
    compound_id: str, body: GbCodesRequest, user: Admin, db: DbDep, clock: ClockDep
) -> GbCodesView:
    _known(db, compound_id)
    try:
        with db.write() as conn:
            set_codes(conn, compound_id, body, user.username, format_ts(clock.now()))
    except ValueError as exc:
        detail = f"设备编码无效 / invalid device code: {exc}"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail) from None
    return codes_view(db.conn(), compound_id)
