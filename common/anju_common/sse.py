"""The one Server-Sent Events stream: the officers' live feed and the gate console's.

Each stream subscribes to an :class:`~anju_common.fanout.EventHub`, says `hello`, forwards the
events its `render` lets through, and every `keepalive_s` sends a comment line after checking,
off the event loop, that the session still lives: a logout, an expiry or a password reset ends
the feed at the next keep-alive. When the hub closes (the server is stopping) the stream ends at
once, so a shutdown is never held by an open console.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

from anju_common.fanout import CLOSED, Event, EventHub

KEEPALIVE_S = 15.0


def sse_message(event_type: str, data: Any) -> str:
    """One SSE message; `data` is serialised as JSON (Chinese kept readable)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"event: {event_type}\ndata: {payload}\n\n"


def event_stream(
    request: Request,
    hub: EventHub,
    *,
    hello: Any,
    render: Callable[[Event], str | None],
    session_lives: Callable[[], bool],
    keepalive_s: float = KEEPALIVE_S,
    headers: dict[str, str] | None = None,
) -> StreamingResponse:
    """A `text/event-stream` response that lives as long as the client and its session."""
    queue = hub.subscribe()

    async def stream() -> AsyncIterator[str]:
        try:
            yield sse_message("hello", hello)
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=keepalive_s)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    if not await asyncio.to_thread(session_lives):
                        return
                    yield ": keep-alive\n\n"
                    continue
                if event is CLOSED:
                    return
                message = render(event)
                if message is not None:
                    yield message
        finally:
            hub.unsubscribe(queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **(headers or {})},
    )
