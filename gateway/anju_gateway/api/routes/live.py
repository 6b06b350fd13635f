"""The live feed: Server-Sent Events of new, updated and escalated alerts, scoped per user."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import StreamingResponse

from anju_gateway.api.deps import ClockDep, CurrentUser, DbDep, HubDep, UserScope, current_user
from anju_gateway.events import Event

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

    def session_lives() -> bool:
        try:
            current_user(request, db, clock)  # the same check every request gets
        except HTTPException:
            return False
        return True

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
