"""The live feed: Server-Sent Events of new, updated and escalated alerts, scoped per user."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import StreamingResponse

from anju_contracts.common import format_ts
from anju_gateway.api.deps import (
    ClockDep,
    CurrentUser,
    DbDep,
    HubDep,
    UserScope,
    bearer_or_cookie,
)
from anju_gateway.events import Event
from anju_gateway.security import token_hash
from anju_gateway.store.users import session_user

router = APIRouter(prefix="/api/v1", tags=["live"])

KEEPALIVE_S = 15.0


def sse(event: Event) -> str:
    payload = json.dumps({"compound_id": event.compound_id, **event.data}, ensure_ascii=False)
    return f"event: {event.type}\ndata: {payload}\n\n"


@router.get("/live", response_class=StreamingResponse)
async def live(
    request: Request,
    user: CurrentUser,
    scope: UserScope,
    hub: HubDep,
    db: DbDep,
    clock: ClockDep,
) -> StreamingResponse:
    """`EventSource('/api/v1/live')`: events `alert.new`, `alert.updated`, `alert.escalated`
    and `edge.status`, each with the alert's (or box's) compound; only what the user may see."""
    if not scope.sees_alerts:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="your role sees no alerts")
    queue = hub.subscribe()
    hashed = token_hash(bearer_or_cookie(request) or "")

    def session_lives() -> bool:
        now = format_ts(clock.now())
        return session_user(db.conn(), token_hash=hashed, now=now) is not None

    async def stream() -> AsyncIterator[str]:
        try:
            yield f"event: hello\ndata: {json.dumps({'user': user.username})}\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    # A session ended by logout, expiry or a password reset ends the feed.
                    if not await asyncio.to_thread(session_lives):
                        return
                    yield ": keep-alive\n\n"
                    continue
                if event.compound_id is None or scope.allows(event.compound_id):
                    yield sse(event)
        finally:
            hub.unsubscribe(queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
