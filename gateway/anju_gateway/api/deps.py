"""Dependencies with Annotated aliases, so routes read ``def f(db: DbDep, user: CurrentUser)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from anju_contracts import format_ts
from anju_gateway.access.scope import Scope, scope_for
from anju_gateway.access.security import token_hash
from anju_gateway.clock import Clock
from anju_gateway.events import EventHub
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.edges import Edge, edge_for_token
from anju_gateway.store.users import Role, User, session_user

SESSION_COOKIE = "anju_session"


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_settings_dep(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


def get_hub(request: Request) -> EventHub:
    hub: EventHub = request.app.state.hub
    return hub


DbDep = Annotated[Database, Depends(get_db)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings_dep)]
HubDep = Annotated[EventHub, Depends(get_hub)]


def bearer_or_cookie(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def current_user(request: Request, db: DbDep, clock: ClockDep) -> User:
    token = bearer_or_cookie(request)
    if not token:
        raise _unauthorised("login required")
    user = session_user(db.conn(), token_hash=token_hash(token), now=format_ts(clock.now()))
    if user is None:
        raise _unauthorised("session expired or unknown")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def user_scope(user: CurrentUser, db: DbDep) -> Scope:
    return scope_for(db.conn(), user)


UserScope = Annotated[Scope, Depends(user_scope)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not allowed for your role")
        return user

    return check


def current_edge(request: Request, db: DbDep) -> Edge:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise _unauthorised("device token required")
    edge = edge_for_token(db.conn(), token_hash=token_hash(header[7:].strip()))
    if edge is None:
        raise _unauthorised("device token unknown or revoked")
    return edge


CurrentEdge = Annotated[Edge, Depends(current_edge)]
