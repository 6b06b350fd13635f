"""Compounds and enrolment codes (admins; installers may issue codes)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from anju_contracts import format_ts
from anju_gateway.api.deps import ClockDep, DbDep, SettingsDep, require_roles
from anju_gateway.api.schemas import (
    CompoundRequest,
    CompoundView,
    EnrolCodeRequest,
    EnrolCodeResponse,
)
from anju_gateway.edges.enrolment import UnknownCompound, issue_code
from anju_gateway.store.compounds import list_compounds, upsert_compound
from anju_gateway.store.users import Role, User

router = APIRouter(prefix="/api/v1", tags=["admin"])

Admin = Annotated[User, Depends(require_roles(Role.admin))]
Enroller = Annotated[User, Depends(require_roles(Role.admin, Role.installer))]
Reader = Annotated[
    User, Depends(require_roles(Role.admin, Role.supervisor, Role.officer, Role.installer))
]


@router.post("/enrol-codes", response_model=EnrolCodeResponse, status_code=201)
def create_enrol_code(
    body: EnrolCodeRequest, user: Enroller, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> EnrolCodeResponse:
    ttl = timedelta(minutes=body.ttl_minutes or settings.enrol_code_ttl_minutes)
    try:
        code, expires = issue_code(
            db, compound_id=body.compound_id, created_by=user.username, now=clock.now(), ttl=ttl
        )
    except UnknownCompound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such compound") from None
    return EnrolCodeResponse(code=code, compound_id=body.compound_id, expires_at=format_ts(expires))


@router.get("/compounds", response_model=list[CompoundView])
def get_compounds(user: Reader, db: DbDep) -> list[CompoundView]:
    compounds = list_compounds(db.conn())
    if user.role is not Role.admin and user.precinct_id is not None:
        compounds = [c for c in compounds if c.precinct_id == user.precinct_id]
    return [CompoundView(id=c.id, name=c.name, precinct_id=c.precinct_id) for c in compounds]


@router.put("/compounds/{compound_id}", response_model=CompoundView)
def put_compound(
    compound_id: str, body: CompoundRequest, user: Admin, db: DbDep, clock: ClockDep
) -> CompoundView:
    if body.id != compound_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="id in path and body differ"
        )
    with db.write() as conn:
        upsert_compound(
            conn,
            compound_id=body.id,
            name=body.name,
            precinct_id=body.precinct_id,
            now=format_ts(clock.now()),
        )
    return CompoundView(id=body.id, name=body.name, precinct_id=body.precinct_id)
