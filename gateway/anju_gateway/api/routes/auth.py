"""Login, logout and who-am-I for people (officers, managers, admins)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, Response, status

from anju_contracts import format_ts
from anju_gateway.access.security import burn_password_check, new_token, token_hash, verify_password
from anju_gateway.access.throttle import LoginThrottle
from anju_gateway.api.deps import (
    SESSION_COOKIE,
    ClockDep,
    CurrentUser,
    DbDep,
    SettingsDep,
    bearer_or_cookie,
)
from anju_gateway.api.schemas import LoginRequest, LoginResponse, UserView
from anju_gateway.metrics import LOGINS
from anju_gateway.store import Database
from anju_gateway.store.users import User, create_session, delete_session, get_login

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def user_view(user: User) -> UserView:
    return UserView(
        username=user.username,
        display_name=user.display_name,
        role=user.role.value,
        precinct_id=user.precinct_id,
        compound_id=user.compound_id,
    )


@router.post("/login", response_model=LoginResponse)
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> LoginResponse:
    # Failures are counted per user name and address, and per address alone (one address
    # spraying many names), in the database: every replica throttles the same guesser.
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "?"
    now = clock.now()
    wait = throttle.retry_after(db, body.username, address, now)
    if wait > 0:
        LOGINS.labels(outcome="throttled").inc()
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"登录失败次数过多，请 {int(wait) + 1} 秒后再试 / too many failed logins, "
            f"try again in {int(wait) + 1} s",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    found = get_login(db.conn(), username=body.username)
    if found is None:
        burn_password_check(body.password)
    if found is None or not verify_password(found[1], body.password):
        throttle.failed(db, body.username, address, now)
        LOGINS.labels(outcome="failed").inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail="用户名或密码错误 / wrong username or password"
        )
    user = found[0]
    token = new_token()
    expires = now + timedelta(hours=settings.session_hours)
    with db.write() as conn:
        throttle.succeeded(conn, body.username, address)
        create_session(
            conn,
            token_hash=token_hash(token),
            username=user.username,
            now=format_ts(now),
            expires_at=format_ts(expires),
        )
    LOGINS.labels(outcome="ok").inc()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
    )
    return LoginResponse(token=token, expires_at=format_ts(expires), user=user_view(user))


def end_session(request: Request, response: Response, db: Database) -> None:
    """Forget the caller's session (token or cookie) and clear the cookie on ``response``."""
    token = bearer_or_cookie(request)
    if token:
        with db.write() as conn:
            delete_session(conn, token_hash=token_hash(token))
    response.delete_cookie(SESSION_COOKIE)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, db: DbDep) -> None:
    end_session(request, response, db)


@router.get("/me", response_model=UserView)
def me(user: CurrentUser) -> UserView:
    return user_view(user)
