"""Watch-listed plates and credentials (admin, supervisor, officer within their precinct)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request, status

from anju_common.ratelog import RateLimitedLog
from anju_contracts import WatchlistKind, format_ts
from anju_contracts.plates import PlateError, display_plate
from anju_gateway.api.deps import ClockDep, CurrentUser, DbDep
from anju_gateway.api.schemas import RowId, WatchlistAuditView, WatchlistCreate, WatchlistView
from anju_gateway.events import Event, EventHub
from anju_gateway.metrics import REJECTED
from anju_gateway.precinct.watchlists import (
    WatchlistDenied,
    normalise_value,
    target_precinct,
    watch_scope,
)
from anju_gateway.store.compounds import precinct_exists
from anju_gateway.store.users import user_names
from anju_gateway.store.watchlists import (
    WatchRow,
    active_entries,
    add_entry,
    audit_log,
    get_entry,
    remove_entry,
)

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

router = APIRouter(prefix="/api/v1/watchlist", tags=["watchlist"])


def view(row: WatchRow, names: dict[str, str]) -> WatchlistView:
    display = display_plate(row.value) if row.kind == WatchlistKind.plate.value else row.value
    return WatchlistView(
        id=row.id,
        kind=row.kind,
        value=row.value,
        display=display,
        reason=row.reason,
        precinct_id=row.precinct_id,
        expires_at=row.expires_at,
        created_by=row.created_by,
        created_by_name=names.get(row.created_by, row.created_by),
        created_at=row.created_at,
    )


def _changed(request: Request) -> None:
    # Wakes edges long-polling /api/v1/edge/sync (see routes/sync.py).
    hub: EventHub = request.app.state.sync_hub
    hub.publish(Event("sync.changed", None, {}))


def _forbid(exc: WatchlistDenied) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc))


@router.get("", response_model=list[WatchlistView])
def list_watchlist(user: CurrentUser, db: DbDep, clock: ClockDep) -> list[WatchlistView]:
    try:
        scope = watch_scope(user)
    except WatchlistDenied as exc:
        raise _forbid(exc) from None
    rows = active_entries(db.conn(), precinct_ids=scope.precinct_ids, now=format_ts(clock.now()))
    names = user_names(db.conn(), {r.created_by for r in rows})
    return [view(r, names) for r in rows]


@router.post("", response_model=WatchlistView, status_code=201)
def create_watch(
    body: WatchlistCreate, request: Request, user: CurrentUser, db: DbDep, clock: ClockDep
) -> WatchlistView:
    try:
        scope = watch_scope(user)
        precinct = target_precinct(user, scope, body.precinct_id)
    except WatchlistDenied as exc:
        raise _forbid(exc) from None
    kind = WatchlistKind(body.kind)
    try:
        value = normalise_value(kind, body.value)
    except PlateError as exc:
        REJECTED.labels(reason="bad_plate").inc()
        _ratelog.warning("plate", "watchlist value refused: %s", exc)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    now = clock.now()
    if body.expires_at is not None and body.expires_at <= now:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="expires_at is in the past"
        )
    with db.write() as conn:
        if precinct is not None and not precinct_exists(conn, precinct_id=precinct):
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such precinct")
        row = add_entry(
            conn,
            kind=kind.value,
            value=value,
            reason=body.reason,
            precinct_id=precinct,
            expires_at=format_ts(body.expires_at) if body.expires_at else None,
            actor=user.username,
            now=format_ts(now),
        )
    logger.info("watchlist %s %s added by %s (precinct %s)", kind, value, user.username, precinct)
    _changed(request)
    return view(row, user_names(db.conn(), {row.created_by}))


def _entry_in_scope(db: DbDep, user: CurrentUser, entry_id: int) -> WatchRow:
    try:
        scope = watch_scope(user)
    except WatchlistDenied as exc:
        raise _forbid(exc) from None
    row = get_entry(db.conn(), entry_id=entry_id)
    if row is None or not (row.precinct_id is None or scope.may_touch(row.precinct_id)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such watchlist entry")
    return row


@router.delete("/{entry_id}", status_code=204)
def delete_watch(
    entry_id: RowId, request: Request, user: CurrentUser, db: DbDep, clock: ClockDep
) -> None:
    row = _entry_in_scope(db, user, entry_id)
    if not watch_scope(user).may_touch(row.precinct_id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="global entries are removed by an admin"
        )
    with db.write() as conn:
        now = format_ts(clock.now())
        if not remove_entry(conn, entry_id=entry_id, actor=user.username, now=now):
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="entry already removed")
    logger.info("watchlist entry %d removed by %s", entry_id, user.username)
    _changed(request)


@router.get("/{entry_id}/audit", response_model=list[WatchlistAuditView])
def entry_audit(entry_id: RowId, user: CurrentUser, db: DbDep) -> list[WatchlistAuditView]:
    _entry_in_scope(db, user, entry_id)
    log = audit_log(db.conn(), entry_id=entry_id)
    names = user_names(db.conn(), {a.actor for a in log})
    return [
        WatchlistAuditView(
            action=a.action,
            actor=a.actor,
            actor_name=names.get(a.actor, a.actor),
            at=a.at,
            detail=a.detail,
        )
        for a in log
    ]
