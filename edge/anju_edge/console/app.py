"""The gate console's HTTP app: the page and its static files, and the routes of
:mod:`anju_edge.console.routes` (login from the synced staff cache, live gate log and alerts
over SSE, acknowledgements queued for the gateway, device board, remote door open, visitors)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from anju_edge.console.context import ConsoleContext
from anju_edge.console.headers import SecurityHeaders
from anju_edge.console.routes import alerts, auth, gates, live, visitors
from anju_edge.console.words import validation_message

WEB = Path(__file__).resolve().parent / "web"


def index() -> FileResponse:
    return FileResponse(WEB / "index.html", headers={"Cache-Control": "no-cache"})


async def refused(request: Request, exc: Exception) -> JSONResponse:
    """A form the checks refused: 422 with `detail` in words (手机号：太短（至少 7 个字）), not
    pydantic's English list; the list stays under `errors` for programs."""
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in exc.errors()]
    return JSONResponse(
        {"detail": validation_message(list(exc.errors())), "errors": errors}, status_code=422
    )


def create_console_app(context: ConsoleContext) -> FastAPI:
    app = FastAPI(title="Anju gate console (门岗控制台)", docs_url=None, redoc_url=None)
    app.state.console = context
    app.add_api_route("/", index, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=WEB), name="static")
    for module in (auth, alerts, gates, visitors, live):
        app.include_router(module.router)
    app.add_exception_handler(RequestValidationError, refused)
    app.add_middleware(SecurityHeaders)
    return app
