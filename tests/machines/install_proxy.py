"""The boxes' only way out: an HTTP proxy on the host end of their private bridge that forwards
to an allowlist of hosts (Debian's mirrors, PyPI) and refuses everything else.

The boxes have no route off their bridge, so apt and pip reach the Debian mirror and PyPI
through this proxy (apt: `Acquire::http::Proxy`, pip: `proxy` in /etc/pip.conf); no NAT or IP
forwarding is turned on on the host. Plain `http://` requests (apt) are forwarded with the
request line rewritten to origin form; `CONNECT host:443` (pip) is tunnelled as is.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

_HEAD_LIMIT = 64 * 1024


def parse_head(head: bytes) -> tuple[str, str, int, bytes]:
    """(method, host, port, request to send upstream) of a proxy request head.

    CONNECT gives back an empty request (the tunnel carries the client's bytes); a plain request
    is rewritten to origin form and told to close, so one connection carries one request.
    """
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        return method, host.strip("[]"), int(port), b""
    url = urlsplit(target)
    if url.scheme != "http" or not url.hostname:
        raise ValueError(f"not a proxy request: {lines[0]!r}")
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    headers = [
        line
        for line in lines[1:]
        if line and line.split(":", 1)[0].strip().lower() not in ("connection", "proxy-connection")
    ]
    out = "\r\n".join([f"{method} {path} {version}", *headers, "Connection: close", "", ""])
    return method, url.hostname, url.port or 80, out.encode("latin-1")


class EgressProxy:
    def __init__(self, bind: str, port: int, allowed_hosts: set[str]) -> None:
        self.bind, self.port = bind, port
        self.allowed = {h.lower() for h in allowed_hosts}
        self._server: socket.socket | None = None
        self.refused: list[str] = []

    @property
    def url(self) -> str:
        return f"http://{self.bind}:{self.port}"

    def start(self) -> EgressProxy:
        self._server = socket.create_server((self.bind, self.port))
        threading.Thread(target=self._accept, daemon=True, name="egress-proxy").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.close()
            self._server = None

    def _accept(self) -> None:
        server = self._server
        assert server is not None
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < _HEAD_LIMIT:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            head, _, rest = head.partition(b"\r\n\r\n")
            try:
                method, host, port, request = parse_head(head + b"\r\n\r\n")
            except ValueError:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                return
            if host.lower() not in self.allowed or port not in (80, 443):
                self.refused.append(f"{host}:{port}")
                log.warning("egress proxy refused %s:%d", host, port)
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n")
                return
            try:
                upstream = socket.create_connection((host, port), timeout=30)
            except OSError as exc:
                log.warning("egress proxy cannot reach %s:%d: %s", host, port, exc)
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n")
                return
            with upstream:
                upstream.settimeout(None)
                if method != "CONNECT":
                    # One GET, answered until the server closes (apt sends no bodies).
                    upstream.sendall(request + rest)
                    _pipe(upstream, conn)
                    return
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
                pump = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
                pump.start()
                _pipe(conn, upstream)
                pump.join()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
