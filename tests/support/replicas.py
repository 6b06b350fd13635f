"""Gateway replicas that fail, for the edge's failover tests (gateway.urls): real sockets on
loopback, each in one of the ways a replica behind a load balancer fails."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from anju.netutil import free_port


def dead_url() -> str:
    """A free loopback port nobody listens on: connecting is refused at once."""
    return f"http://127.0.0.1:{free_port()}"


class Silent:
    """Listens and never answers: the kernel completes the connection (the backlog), nobody
    ever reads or writes, so every request times out."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.sock.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class Replica:
    """A tiny HTTP server; ``answer(handler, body)`` decides what each request gets. Records
    the paths it was asked for."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.release = threading.Event()  # ends every held request (at close)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.paths.append(self.path.split("?")[0])
                owner.answer(self, body)

            do_GET = do_POST = _any

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hits(self, path: str) -> int:
        return self.paths.count(path)

    def answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class StatusReplica(Replica):
    """Answers every request with ``status`` (503: a replica out of service behind its proxy;
    401: a gateway that does not know the box)."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__()

    def answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        payload = b'{"detail":"replica says no"}'
        handler.send_response(self.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


class StoreThenHang(Replica):
    """Hands an alert batch on to the real gateway (which stores it) and then never answers the
    box: the upload times out with an unknown outcome. Every other request just hangs."""

    def __init__(self, gateway_url: str) -> None:
        self.gateway_url = gateway_url
        self.forwarded = 0
        super().__init__()

    def answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        if handler.command == "POST" and handler.path == "/api/v1/edge/alerts":
            headers = {
                "Authorization": handler.headers["Authorization"],
                "Content-Type": "application/json",
            }
            resp = httpx.post(
                self.gateway_url + handler.path, content=body, headers=headers, timeout=10
            )
            resp.raise_for_status()
            self.forwarded += 1
        self.release.wait(30)
