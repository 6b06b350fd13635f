"""The HTTP server: uvicorn, told to close the gateway's streams before it waits for them.

uvicorn stops by closing the port, then waiting for every open response to finish, and only
then runs the app's shutdown. A live feed never finishes by itself, so without help a SIGTERM
leaves the process alive with its workers still sweeping. Here the stop begins with
:func:`anju_gateway.app.begin_shutdown`, and uvicorn cancels anything still open after
``GRACEFUL_SHUTDOWN_S``.
"""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from anju_gateway.app import GRACEFUL_SHUTDOWN_S, begin_shutdown


class GatewayServer(uvicorn.Server):
    def __init__(self, app: FastAPI, host: str, port: int, log_level: str = "info") -> None:
        super().__init__(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level=log_level,
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=int(GRACEFUL_SHUTDOWN_S),
            )
        )
        self.gateway = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        begin_shutdown(self.gateway)
        await super().shutdown(sockets)
