"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from anju_gateway.api.deps import DbDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(db: DbDep) -> dict[str, str]:
    db.ping()
    return {"status": "ok"}


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
