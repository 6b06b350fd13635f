"""Staff login from the synced accounts (throttled per user and address), logout, who am I."""

from __future__ import annotations

import secrets
import time
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import Field

from anju_contracts import WireModel
from anju_edge.console.context import Ctx
from anju_edge.console.session import COOKIE, SESSION_S, User
from anju_edge.console.store import account_fingerprint

router = APIRouter()
_hasher = PasswordHasher()


class Login(WireModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


@router.post("/api/login")
def login(body: Login, request: Request, response: Response, ctx: Ctx) -> dict[str, Any]:
    address = request.client.host if request.client else "?"
    now = time.monotonic()
    wait = ctx.throttle.retry_after((body.username, address), now)
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"请 {int(wait) + 1} 秒后再试 / try again in {int(wait) + 1} s",
        )
    account = ctx.staff().get(body.username)
    try:
        ok = account is not None and _hasher.verify(account.password_hash, body.password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or account is None:
        ctx.throttle.record((body.username, address), now)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail="用户名或密码错误 / wrong username or password"
        )
    ctx.throttle.clear((body.username, address))
    token = secrets.token_urlsafe(32)
    ctx.store.create_session(
        token,
        account.username,
        account_fingerprint(account.password_hash),
        time.time() + SESSION_S,
    )
    response.set_cookie(COOKIE, token, max_age=SESSION_S, httponly=True, samesite="strict")
    return {"username": account.username, "display_name": account.display_name}


@router.post("/api/logout", status_code=204)
def logout(request: Request, response: Response, ctx: Ctx) -> None:
    token = request.cookies.get(COOKIE, "")
    if token:
        ctx.store.end_session(token)
    response.delete_cookie(COOKIE)


@router.get("/api/me")
def me(u: User, ctx: Ctx) -> dict[str, Any]:
    return {
        "username": u["username"],
        "display_name": u["display_name"],
        "compound": ctx.config.name or ctx.config.compound_id,
        "gates": [{"id": g.id, "name": g.name} for g in ctx.config.gates],
        "timezone": ctx.config.timezone,
    }
