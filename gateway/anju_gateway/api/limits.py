"""Request body limit as a pure ASGI middleware: 413 before an oversized body is read, by its
Content-Length, or as soon as a chunked body passes the limit."""

from __future__ import annotations

import contextlib
import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anju_common.ratelog import RateLimitedLog
from anju_gateway.metrics import REJECTED

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0
        too_large = False
        started = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # A route's body parser catches BodyTooLarge and answers 400 (FastAPI: "error
            # parsing the body"); once the body was too large, whatever the app says is
            # replaced by one 413.
            nonlocal started
            if too_large:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(scope, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if too_large and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        REJECTED.labels(reason="too_large").inc()
        _ratelog.warning(
            "too_large", "refused a body over %d bytes on %s", self.max_bytes, scope.get("path")
        )
        body = json.dumps({"detail": f"request body exceeds {self.max_bytes} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
