"""The live feed (SSE): gate events and alerts as they are recorded; it ends with the session."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from anju_common.fanout import Event
from anju_common.sse import event_stream, sse_message
from anju_edge.console.context import Ctx
from anju_edge.console.session import COOKIE, User, session_for

router = APIRouter()

KEEPALIVE_S = 15.0  # the live feed's keep-alive, and how often it re-checks its session


def _render(event: Event) -> str:
    return sse_message(event.type, event.data)


@router.get("/api/live", response_class=StreamingResponse)
async def live(request: Request, u: User, ctx: Ctx) -> StreamingResponse:
    token = request.cookies.get(COOKIE, "")

    def session_lives() -> bool:
        # A session that ended (logout, account changed) ends the feed too.
        return session_for(ctx, token)[0] is not None

    return event_stream(
        request,
        ctx.hub,
        hello={},
        render=_render,
        session_lives=session_lives,
        keepalive_s=KEEPALIVE_S,
    )
