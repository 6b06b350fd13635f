"""``GET /api/v1/edge/sync``: watchlist, staff accounts and alert routing for one edge, with
ETag long-poll.

The route is async only to wait without holding a worker thread; every SQLite read runs in
the thread pool. A waiting edge wakes on a ``sync.changed`` event (watchlist edits) and also
re-checks every ``sync_recheck_s`` so changes made elsewhere (staff accounts) are seen too.
A change of a precinct's routing wakes it as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from anju_contracts import EdgeSync
from anju_gateway.api.deps import CurrentEdge
from anju_gateway.clock import Clock
from anju_gateway.edges.sync import build_sync
from anju_gateway.events import EventHub
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database

router = APIRouter(prefix="/api/v1/edge", tags=["edge"])


def _etag_matches(header: str | None, version: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]
    return version in tags or "*" in tags


def _server_cycle(receive: object, depth: int = 0) -> object | None:
    """uvicorn's request cycle behind (possibly wrapped) ``receive``, if we can find it."""
    owner: object = getattr(receive, "__self__", None)
    if owner is not None and hasattr(owner, "keep_alive"):
        return owner
    if depth < 4:
        for cell in getattr(receive, "__closure__", None) or ():
            with contextlib.suppress(ValueError):
                if callable(cell.cell_contents):
                    found = _server_cycle(cell.cell_contents, depth + 1)
                    if found is not None:
                        return found
    return None


def _draining(cycle: object | None) -> bool:
    # On a graceful shutdown uvicorn marks in-flight requests keep_alive=False and then waits
    # for them; a held long-poll answers at once instead of delaying the shutdown.
    return cycle is not None and getattr(cycle, "keep_alive", True) is False


def _not_modified(version: str) -> Response:
    return Response(status_code=304, headers={"ETag": f'"{version}"'})


@router.get(
    "/sync",
    response_model=EdgeSync,
    responses={304: {"description": "Unchanged since the ETag given in If-None-Match."}},
)
async def edge_sync(
    request: Request,
    edge: CurrentEdge,
    wait: Annotated[
        int, Query(ge=0, le=60, description="Seconds to hold the request until a change.")
    ] = 0,
) -> Response:
    db: Database = request.app.state.db
    clock: Clock = request.app.state.clock
    settings: GatewaySettings = request.app.state.settings
    hub: EventHub = request.app.state.sync_hub
    known = request.headers.get("if-none-match")

    def snapshot() -> EdgeSync:
        return build_sync(db.conn(), edge.compound_id, clock.now(), settings)

    queue = hub.subscribe() if wait and known else None
    cycle = _server_cycle(request.receive)
    if _draining(cycle):  # the client asked for Connection: close; nothing to learn from it
        cycle = None
    try:
        current = await run_in_threadpool(snapshot)
        deadline = time.monotonic() + min(wait, settings.sync_wait_max_s)
        while queue is not None and _etag_matches(known, current.version):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(queue.get(), timeout=min(remaining, settings.sync_recheck_s))
            if hub.closed or _draining(cycle) or await request.is_disconnected():
                break
            current = await run_in_threadpool(snapshot)
    finally:
        if queue is not None:
            hub.unsubscribe(queue)
    if _etag_matches(known, current.version):
        return _not_modified(current.version)
    # passage_upload only when on: an edge from before the field refuses unknown fields.
    omit = None if current.passage_upload else {"passage_upload"}
    return Response(
        current.model_dump_json(exclude=omit),
        media_type="application/json",
        headers={"ETag": f'"{current.version}"', "Cache-Control": "no-cache"},
    )
