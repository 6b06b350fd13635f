"""Liveness and Prometheus metrics (the metrics behind a token: they tell who is busy)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from anju_gateway.api.deps import DbDep, SettingsDep
from anju_gateway.metrics import REJECTED

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(db: DbDep) -> dict[str, str]:
    db.ping()
    return {"status": "ok"}


@router.get("/metrics", response_class=Response)
def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text format, for `Authorization: Bearer <ANJU_GATEWAY_METRICS_TOKEN>` only;
    refused (403) while no token is set."""
    if settings.metrics_token is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="metrics are off: set ANJU_GATEWAY_METRICS_TOKEN and scrape with it",
        )
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
        REJECTED.labels(reason="metrics_token").inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="metrics token required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
