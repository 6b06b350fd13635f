"""Users and roles (admins): list, create, reset a password, disable and enable.

Admins are city-wide everywhere in the API (access/scope.py), so an admin lists every account;
any other role gets 403. The rules for a new account are the CLI's (access/accounts.py).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status

from anju_contracts import format_ts
from anju_gateway.access.accounts import AccountError, reset_password, save_account
from anju_gateway.api.deps import ClockDep, DbDep, require_roles
from anju_gateway.api.routes.auth import user_view
from anju_gateway.api.schemas import (
    AccountCreate,
    AccountEnabled,
    AccountView,
    PasswordReset,
)
from anju_gateway.store.users import Account, Role, User, list_accounts, set_disabled, user_exists

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/users", tags=["users"])

Admin = Annotated[User, Depends(require_roles(Role.admin))]
Username = Annotated[str, Path(max_length=64)]


def _view(a: Account) -> AccountView:
    return AccountView(
        **user_view(a.user).model_dump(), created_at=a.created_at, disabled=a.disabled
    )


def _refused(exc: AccountError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc))


def _no_user() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="没有这个用户 / no such user")


@router.get("", response_model=list[AccountView])
def get_users(user: Admin, db: DbDep) -> list[AccountView]:
    return [_view(a) for a in list_accounts(db.conn())]


@router.post("", response_model=AccountView, status_code=201)
def post_user(body: AccountCreate, user: Admin, db: DbDep, clock: ClockDep) -> AccountView:
    with db.write() as conn:
        if user_exists(conn, username=body.username):
            raise HTTPException(
                status.HTTP_409_CONFLICT, detail="用户名已被使用 / this username is taken"
            )
        try:
            save_account(
                conn,
                username=body.username,
                role=body.role,
                password=body.password,
                now=format_ts(clock.now()),
                display_name=body.display_name.strip(),
                precinct_id=body.precinct_id,
                compound_id=body.compound_id,
            )
        except AccountError as exc:
            raise _refused(exc) from None
    logger.info("user %s (%s) created by %s", body.username, body.role.value, user.username)
    return next(_view(a) for a in list_accounts(db.conn()) if a.user.username == body.username)


@router.post("/{username}/password", status_code=204)
def post_password(username: Username, body: PasswordReset, user: Admin, db: DbDep) -> None:
    with db.write() as conn:
        try:
            found = reset_password(conn, username=username, password=body.password)
        except AccountError as exc:
            raise _refused(exc) from None
    if not found:
        raise _no_user()
    logger.info("password of %s reset by %s", username, user.username)


@router.put("/{username}/enabled", response_model=AccountView)
def put_enabled(username: Username, body: AccountEnabled, user: Admin, db: DbDep) -> AccountView:
    if username == user.username and not body.enabled:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail="不能停用自己的账号 / you cannot disable your own account",
        )
    with db.write() as conn:
        if not set_disabled(conn, username=username, disabled=not body.enabled):
            raise _no_user()
    logger.info("user %s %s by %s", username, "enabled" if body.enabled else "disabled",
                user.username)  # fmt: skip
    return next(_view(a) for a in list_accounts(db.conn()) if a.user.username == username)
