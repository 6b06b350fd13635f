"""The live feed: Server-Sent Events of new, updated and escalated alerts, scoped per user.

The payloads are the models of :mod:`anju_contracts.feed`; the stream (hello, keep-alive and
session re-check) is :func:`anju_common.sse.event_stream`.
"""

from __future__ import annotations

from collections import OrderedDict

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import StreamingResponse

from anju_common.sse import event_stream, sse_message
from anju_contracts import FeedHello
from anju_gateway.api.deps import ClockDep, CurrentUser, DbDep, HubDep, UserScope, current_user
from anju_gateway.events import Event

router = APIRouter(prefix="/api/v1", tags=["live"])

KEEPALIVE_S = 15.0  # read at each request, so a test can shorten it


# The last events rendered, by identity: every open feed gets the same Event object, and each
# would otherwise serialise it again (hundreds of feeds: hundreds of json.dumps per alert).
# Holding the event keeps its id from being reused while it is cached.
_RENDERED: OrderedDict[int, tuple[Event, str]] = OrderedDict()
_RENDERED_MAX = 256


def sse(event: Event) -> str:
    cached = _RENDERED.get(id(event))
    if cached is not None and cached[0] is event:
        return cached[1]
    message = sse_message(event.type, {"compound_id": event.compound_id, **event.data})
    _RENDERED[id(event)] = (event, message)
    if len(_RENDERED) > _RENDERED_MAX:
        _RENDERED.popitem(last=False)
    return message


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

    def session_lives() -> bool:
        try:
            current_user(request, db, clock)  # the same check every request gets
        except HTTPException:
            return False
        return True

    def render(event: Event) -> str | None:
        if event.compound_id is None or scope.allows(event.compound_id):
            return sse(event)
        return None

    return event_stream(
        request,
        hub,
        hello=FeedHello(user=user.username).model_dump(mode="json"),
        render=render,
        session_lives=session_lives,
        keepalive_s=KEEPALIVE_S,
    )
