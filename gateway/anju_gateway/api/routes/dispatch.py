"""Dispatch targets (派警对象): whom an officer can send to an alert, from the alert's precinct.

Officers and supervisors of the precinct by display name; there is no store of police units
yet, so units are typed as free text in the dispatch form (docs/console.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import Field

from anju_contracts import Strict
from anju_gateway.alerts.machine import ACTORS
from anju_gateway.api.deps import CurrentUser, DbDep, UserScope
from anju_gateway.store.compounds import get_compound
from anju_gateway.store.dispatch import officers_of_precinct

router = APIRouter(prefix="/api/v1", tags=["lifecycle"])


class DispatchTarget(Strict):
    name: str = Field(description="What the dispatch names: the display name (or username).")
    username: str
    kind: Literal["officer"] = Field(description="officer (units are not stored yet).")
    role: str = Field(description="officer or supervisor.")


class DispatchTargets(Strict):
    precinct_id: str
    targets: list[DispatchTarget]


@router.get("/dispatch-targets", response_model=DispatchTargets)
def dispatch_targets(
    db: DbDep,
    user: CurrentUser,
    scope: UserScope,
    compound_id: Annotated[
        str | None, Query(max_length=64, description="The alert's compound; default: yours.")
    ] = None,
) -> DispatchTargets:
    if user.role not in ACTORS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="officers only")
    if compound_id is not None:
        compound = get_compound(db.conn(), compound_id=compound_id)
        # Another precinct's compound looks like no compound at all.
        if compound is None or not scope.allows(compound_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such compound")
        precinct = compound.precinct_id
    elif user.precinct_id is not None:
        precinct = user.precinct_id
    else:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="compound_id: whose precinct?"
        )
    people = officers_of_precinct(db.conn(), precinct_id=precinct)
    return DispatchTargets(
        precinct_id=precinct,
        targets=[
            DispatchTarget(name=p.display_name or p.username, username=p.username,
                           kind="officer", role=p.role)
            for p in people
        ],
    )  # fmt: skip
