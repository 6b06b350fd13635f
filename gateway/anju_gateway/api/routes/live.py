"""The live feed: Server-Sent Events of new, updated and escalated alerts, scoped per user."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import StreamingResponse

from anju_gateway.api.deps import CurrentUser, HubDep, UserScope
from anju_gateway.events import Event

router = APIRouter(prefix="/api/v1", tags=["live"])

KEEPALIVE_S = 15.0


def sse(event: Event) -> str:
    payload = json.dumps({"compound_id": event.compound_id, **event.data}, ensure_ascii=False)
    return f"event: {event.type}\ndata: {payload}\n\n"


@router.get("/live", response_class=StreamingResponse)
async def live(
    request: Request, user: CurrentUser, scope: UserScope, hub: HubDep
) -> StreamingResponse:
    """`EventSource('/api/v1/live')`: events `alert.new`, `alert.updated`, `alert.escalated`
    and `edge.status`, each with the alert's (or box's) compound; only what the user may see."""
    if not scope.sees_alerts:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="your role sees no alerts")
    queue = hub.subscribe()

    async def stream() -> AsyncIterator[str]:
        try:
            yield f"event: hello\ndata: {json.dumps({'user': user.username})}\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    if await request.is_disconnected():
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
