"""The app factory: settings, clock and store are built here, never at import."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from anju_common.limiter import SlidingWindowLimiter
from anju_common.ratelog import RateLimitedLog
from anju_common.worker import Worker
from anju_gateway.alerts.sla import check_sla
from anju_gateway.api.errors import publish_error_shape
from anju_gateway.api.limits import BodySizeLimit
from anju_gateway.api.routes import (
    admin,
    alerts,
    auth,
    console,
    dispatch,
    edge,
    edge_actions,
    edge_health,
    health,
    lifecycle,
    live,
    precincts,
    routing,
    sync,
    users,
    watchlist,
)
from anju_gateway.api.routes import analytics as analytics_routes
from anju_gateway.api.routes import gbcodes as gbcode_routes
from anju_gateway.api.routes import pages as page_routes
from anju_gateway.api.routes import passages as passage_routes
from anju_gateway.api.routes import reports as report_routes
from anju_gateway.api.routes import viid as viid_routes
from anju_gateway.clock import Clock, SystemClock
from anju_gateway.edges.supervision import check_edges
from anju_gateway.events import EventHub
from anju_gateway.metrics import REJECTED
from anju_gateway.precinct.link import PrecinctLink
from anju_gateway.precinct.viid_link import ViidLink
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.web.headers import SecurityHeaders

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)


def periodic(name: str, interval_s: float, job: Callable[[], object]) -> Worker:
    """A job run every ``interval_s`` on its own thread (never on the event loop), first after
    one interval; a failing round is logged and the next one runs on time."""

    def round_() -> None:
        job()

    return Worker(name, round_, idle_s=interval_s, initial_delay_s=interval_s)


# Stopping: uvicorn waits this long for open responses before cancelling them, then the
# workers get this long together to end their round. Both fit in the 5 s a stop may take
# (systemd's TimeoutStopSec says the same).
GRACEFUL_SHUTDOWN_S = 2.0
WORKER_JOIN_S = 2.0


def begin_shutdown(app: FastAPI) -> None:
    """The first step of a stop, before uvicorn waits for open connections: the workers are
    told to end (no sweep judges boxes silent while the gateway itself goes away) and the live
    feeds and held syncs are closed, so no open console holds the stop. Idempotent."""
    app.state.supervisor.request_stop()
    app.state.sla_sweeper.request_stop()
    app.state.precinct_link.request_stop()
    app.state.viid_link.request_stop()
    app.state.hub.close()
    app.state.sync_hub.close()


def create_app(settings: GatewaySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.db_path)
    db.migrate()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.precinct_link.start()
        app.state.viid_link.start()
        app.state.sla_sweeper.start()
        app.state.watching_since = app.state.clock.now()
        app.state.supervisor.start()
        yield
        begin_shutdown(app)
        deadline = time.monotonic() + WORKER_JOIN_S
        for worker in (
            app.state.supervisor, app.state.sla_sweeper, app.state.precinct_link,
            app.state.viid_link,
        ):  # fmt: skip
            worker.stop(timeout_s=max(0.0, deadline - time.monotonic()))
        db.close()

    app = FastAPI(
        title="Anju gateway (安居)",
        version="0.1.0",
        description="Receives alerts from compound edge boxes and runs the officers' workflow.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = clock or SystemClock()
    app.state.hub = EventHub()
    app.state.sync_hub = EventHub()  # wakes edges long-polling /api/v1/edge/sync
    app.state.precinct_link = PrecinctLink(db, settings, app.state.clock)
    app.state.viid_link = ViidLink(db, settings, app.state.clock)
    app.state.login_throttle = SlidingWindowLimiter(
        settings.login_max_failures, settings.login_window_seconds
    )
    app.state.login_address_throttle = SlidingWindowLimiter(
        settings.login_max_failures_per_address, settings.login_window_seconds
    )
    app.state.supervisor = periodic(
        "edge-supervisor",
        settings.edge_sweep_s,
        lambda: check_edges(
            db, app.state.hub, settings, app.state.clock.now(), app.state.watching_since
        ),
    )
    app.state.sla_sweeper = periodic(
        "sla-sweeper",
        settings.sla_sweep_seconds,
        lambda: check_sla(db, app.state.hub, app.state.clock.now()),
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        REJECTED.labels(reason="schema").inc()
        _ratelog.warning(
            f"schema:{request.url.path}",
            "invalid request to %s: %s",
            request.url.path,
            str(exc.errors()[:3])[:300],
        )
        return await request_validation_exception_handler(request, exc)

    for module in (auth, alerts, lifecycle, dispatch, live, edge, admin, users, health):
        app.include_router(module.router)
    for module in (watchlist, sync, precincts, routing, report_routes, analytics_routes):
        app.include_router(module.router)
    app.include_router(page_routes.router)
    app.include_router(edge_health.router)
    app.include_router(edge_actions.router)
    app.include_router(viid_routes.router)
    app.include_router(gbcode_routes.router)
    app.include_router(viid_routes.viid_router)
    app.include_router(passage_routes.router)
    app.include_router(console.router)
    app.mount("/console", console.static_files(), name="console")
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    publish_error_shape(app)
    return app
