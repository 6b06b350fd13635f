"""Login sessions: a cookie whose digest is in the console's store, valid while the synced
account still exists with the password it logged in with."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status

from anju_edge.console.context import ConsoleContext, console_context
from anju_edge.console.store import account_fingerprint

COOKIE = "anju_gate_session"
SESSION_S = 12 * 3600


def session_for(ctx: ConsoleContext, token: str) -> tuple[dict[str, Any] | None, str]:
    """The live session for a cookie, or None and why not."""
    session = ctx.store.session(token, time.time()) if token else None
    if session is None:
        return None, "请先登录 / log in first"
    # The account must still be this compound's, with the password it logged in with: a
    # manager removed or reset at the gateway is out as soon as edge sync brings the change.
    account = ctx.staff().get(session["username"])
    if account is None or account_fingerprint(account.password_hash) != session["account"]:
        ctx.store.end_session(token)
        return None, "账号已变更，请重新登录 / account changed, log in again"
    # The name shown comes from the synced account, so a rename at the gateway shows at once.
    return {**session, "display_name": account.display_name or account.username}, ""


def current_user(request: Request) -> dict[str, Any]:
    session, why = session_for(console_context(request), request.cookies.get(COOKIE, ""))
    if session is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=why)
    return session


User = Annotated[dict[str, Any], Depends(current_user)]
