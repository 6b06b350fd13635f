"""Who handles which alert, per precinct (分类处置): admins set it, its people read it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from anju_contracts import format_ts
from anju_gateway.alerts.routing import DEFAULT_ROUTES, Policy, effective
from anju_gateway.api.deps import ClockDep, CurrentUser, DbDep
from anju_gateway.api.schemas import RoutingRequest, RoutingView
from anju_gateway.events import Event, EventHub
from anju_gateway.store.compounds import precinct_exists
from anju_gateway.store.routing import get_policy, put_policy
from anju_gateway.store.users import Role, User

router = APIRouter(prefix="/api/v1/precincts", tags=["routing"])

READERS = (Role.admin, Role.supervisor, Role.officer)


def view(policy: Policy) -> RoutingView:
    return RoutingView(
        precinct_id=policy.precinct_id,
        routes=policy.routes,
        overrides=policy.overrides,
        defaults={k.value: h for k, h in DEFAULT_ROUTES.items()},
        raise_at=policy.raise_at,
        updated_at=policy.updated_at,
        updated_by=policy.updated_by,
    )


def _readable(user: User, db: DbDep, precinct_id: str) -> None:
    if user.role not in READERS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not allowed for your role")
    # Scoped like the alerts: another precinct's policy looks like no precinct at all.
    mine = user.role is Role.admin or (user.role is Role.supervisor and user.precinct_id is None)
    if not (mine or user.precinct_id == precinct_id) or not precinct_exists(
        db.conn(), precinct_id=precinct_id
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such precinct")


@router.get("/{precinct_id}/routing", response_model=RoutingView)
def read_routing(precinct_id: str, user: CurrentUser, db: DbDep) -> RoutingView:
    _readable(user, db, precinct_id)
    return view(effective(get_policy(db.conn(), precinct_id=precinct_id)))


@router.put("/{precinct_id}/routing", response_model=RoutingView)
def set_routing(
    precinct_id: str,
    body: RoutingRequest,
    user: CurrentUser,
    db: DbDep,
    clock: ClockDep,
    request: Request,
) -> RoutingView:
    if user.role is not Role.admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="只有管理员可以设置 / admins only")
    if not precinct_exists(db.conn(), precinct_id=precinct_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such precinct")
    with db.write() as conn:
        stored = put_policy(
            conn,
            precinct_id=precinct_id,
            routes={k.value: h.value for k, h in body.routes.items()},
            raise_at=body.raise_at.value if body.raise_at else "",
            actor=user.username,
            now=format_ts(clock.now()),
        )
    # The precinct's boxes show alerts by this policy (EdgeSync.routing): wake their long-polls.
    hub: EventHub = request.app.state.sync_hub
    hub.publish(Event("sync.changed", None, {}))
    return view(effective(stored))
