"""Precincts by name (their people), webhooks and their delivery log (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from anju_contracts import format_ts
from anju_gateway.api.deps import ClockDep, DbDep, require_roles
from anju_gateway.api.schemas import (
    DeliveryView,
    PrecinctRename,
    PrecinctView,
    WebhookRequest,
    WebhookView,
)
from anju_gateway.store.compounds import list_precincts, precinct_exists, upsert_precinct
from anju_gateway.store.users import Role, User
from anju_gateway.store.webhooks import Webhook, get_webhook, list_deliveries, put_webhook

router = APIRouter(prefix="/api/v1/precincts", tags=["precincts"])

Admin = Annotated[User, Depends(require_roles(Role.admin))]
Reader = Annotated[User, Depends(require_roles(Role.admin, Role.supervisor, Role.officer))]


@router.get("", response_model=list[PrecinctView])
def get_precincts(user: Reader, db: DbDep) -> list[PrecinctView]:
    """Precincts by name: every one for admins and city-wide supervisors, else one's own."""
    rows = list_precincts(db.conn())
    if user.role is not Role.admin and user.precinct_id is not None:
        rows = [p for p in rows if p.id == user.precinct_id]
    return [PrecinctView(id=p.id, name=p.name) for p in rows]


@router.put("/{precinct_id}", response_model=PrecinctView)
def rename_precinct(precinct_id: str, body: PrecinctRename, user: Admin, db: DbDep) -> PrecinctView:
    _require_precinct(db, precinct_id)
    with db.write() as conn:
        upsert_precinct(conn, precinct_id=precinct_id, name=body.name.strip())
    return PrecinctView(id=precinct_id, name=body.name.strip())


def _view(h: Webhook) -> WebhookView:
    # The secret is write-only: it never leaves the gateway again.
    return WebhookView(
        precinct_id=h.precinct_id,
        url=h.url,
        enabled=h.enabled,
        updated_at=h.updated_at,
        updated_by=h.updated_by,
    )


def _require_precinct(db: DbDep, precinct_id: str) -> None:
    if not precinct_exists(db.conn(), precinct_id=precinct_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such precinct")


@router.put("/{precinct_id}/webhook", response_model=WebhookView)
def set_webhook(
    precinct_id: str,
    body: WebhookRequest,
    request: Request,
    user: Admin,
    db: DbDep,
    clock: ClockDep,
) -> WebhookView:
    _require_precinct(db, precinct_id)
    with db.write() as conn:
        hook = put_webhook(
            conn,
            precinct_id=precinct_id,
            url=body.url,
            secret=body.secret,
            enabled=body.enabled,
            actor=user.username,
            now=format_ts(clock.now()),
        )
    link = getattr(request.app.state, "precinct_link", None)
    if link is not None:
        link.notify()
    return _view(hook)


@router.get("/{precinct_id}/webhook", response_model=WebhookView)
def read_webhook(precinct_id: str, user: Admin, db: DbDep) -> WebhookView:
    hook = get_webhook(db.conn(), precinct_id=precinct_id)
    if hook is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="this precinct has no webhook")
    return _view(hook)


@router.get("/{precinct_id}/deliveries", response_model=list[DeliveryView])
def deliveries(
    precinct_id: str,
    user: Admin,
    db: DbDep,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(pending|delivered|dead)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryView]:
    _require_precinct(db, precinct_id)
    fields = set(DeliveryView.model_fields)
    return [
        DeliveryView.model_validate(d.model_dump(include=fields))
        for d in list_deliveries(db.conn(), precinct_id=precinct_id, status=status_, limit=limit)
    ]
