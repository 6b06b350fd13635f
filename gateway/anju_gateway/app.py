"""The app factory: settings, clock and store are built here, never at import."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import psycopg
from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from psycopg_pool import PoolTimeout
from starlette.responses import JSONResponse, Response

from anju_common.ratelog import RateLimitedLog
from anju_common.worker import Worker
from anju_gateway.access.throttle import LoginThrottle
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
from anju_gateway.jobs import JobLease
from anju_gateway.metrics import DATABASE_UNAVAILABLE, REJECTED
from anju_gateway.precinct.link import PrecinctLink
from anju_gateway.precinct.viid_link import ViidLink
from anju_gateway.settings import GatewaySettings
from anju_gateway.store.db import Database
from anju_gateway.store.feed_bus import PostgresEventHub, start_listening
from anju_gateway.store.postgres import PostgresDatabase
from anju_gateway.web.headers import SecurityHeaders

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)


def new_hub(db: Database, channel: str) -> EventHub:
    """The in-process hub; on PostgreSQL, one whose events reach every replica's consoles."""
    if isinstance(db, PostgresDatabase):
        return PostgresEventHub(db, channel)
    return EventHub()


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
    db = settings.open_database()
    db.migrate()
    clock = clock or SystemClock()

    def lease(job: str) -> JobLease:
        return JobLease(db, job, clock, settings.job_lease_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for hub in (app.state.hub, app.state.sync_hub):  # replicas' events reach us from now
            await asyncio.to_thread(start_listening, hub)
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
        for held in leases:
            held.release()  # another replica takes the job now, not when the lease lapses
        db.close()

    app = FastAPI(
        title="Anju gateway (安居)",
        version="0.1.0",
        description="Receives alerts from compound edge boxes and runs the officers' workflow.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = clock
    app.state.hub = new_hub(db, "anju_feed")
    app.state.sync_hub = new_hub(db, "anju_sync")  # wakes edges long-polling /api/v1/edge/sync
    leases = [lease(job) for job in ("precinct-link", "viid-link", "edge-supervisor", "sla")]
    app.state.leases = {x.job: x for x in leases}
    app.state.precinct_link = PrecinctLink(db, settings, clock, lease=leases[0])
    app.state.viid_link = ViidLink(db, settings, clock, lease=leases[1])
    app.state.login_throttle = LoginThrottle(
        max_per_user=settings.login_max_failures,
        max_per_address=settings.login_max_failures_per_address,
        window_s=settings.login_window_seconds,
    )
    app.state.supervisor = periodic(
        "edge-supervisor",
        settings.edge_sweep_s,
        leases[2].guard(
            lambda: check_edges(db, app.state.hub, settings, clock.now(), app.state.watching_since),
            None,
        ),
    )
    app.state.sla_sweeper = periodic(
        "sla-sweeper",
        settings.sla_sweep_seconds,
        leases[3].guard(lambda: check_sla(db, app.state.hub, clock.now()), None),
    )

    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_down(request: Request, exc: Exception) -> Response:
        # PostgreSQL restarting, unreachable or out of connections: nothing was committed (a
        # write's transaction is rolled back with its connection), so the client may retry.
        DATABASE_UNAVAILABLE.inc()
        _ratelog.warning(f"db:{type(exc).__name__}", "database unavailable: %s", str(exc)[:200])
        return JSONResponse(
            {"detail": "database unavailable, try again"},
            status_code=503,
            headers={"Retry-After": "2"},
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
