"""A real HTTP snapshot camera (like ISAPI ``/ISAPI/Streaming/channels/101/picture``): a small
threaded HTTP server answering GET with the current JPEG, behind Digest (RFC 7616, MD5,
qop=auth) or Basic auth, with an ETag so pollers can send If-None-Match.

``snapshot(jpeg)`` changes the picture, as for `SimCamera`; ``mode("stall")`` makes requests
hang, ``mode("freeze")`` keeps the picture whatever ``snapshot`` says; ``crash()`` stops the
server and ``start()`` brings it back on the same port.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from anju_common.ports import free_port
from anju_sim.rtsp import Mode

logger = logging.getLogger(__name__)

REALM = "anju-sim"
PATH = "/ISAPI/Streaming/channels/101/picture"
_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # what Digest auth (MD5) specifies


class HttpSnapshotCamera:
    def __init__(
        self,
        device_id: str,
        first_image: bytes,
        *,
        auth: Literal["none", "digest", "basic"] = "digest",
        user: str = "anju",
        password: str | None = None,
        port: int | None = None,
    ) -> None:
        if auth != "none" and password is None:
            raise ValueError("auth needs a password")
        self.device_id = device_id
        self.auth, self.user, self.password = auth, user, password or ""
        self.port = port or free_port()
        self.jpeg = first_image
        self.mode_now: Mode = "normal"
        self.requests = 0
        self.refused = 0
        self._nonces: set[str] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._unstall = threading.Event()
        self._secrets: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def source_config(self, interval_s: float = 0.5, **extra: Any) -> dict[str, Any]:
        """The edge's ``cameras[].source`` for this camera (the password in a 0600 file)."""
        source: dict[str, Any] = {
            "type": "http_snapshot", "url": self.url, "auth": self.auth, "interval_s": interval_s
        }  # fmt: skip
        if self.auth != "none":
            if self._secrets is None:
                self._secrets = tempfile.TemporaryDirectory(prefix=f"anju-http-{self.device_id}-")
            path = Path(self._secrets.name) / "password"
            path.write_text(self.password + "\n", "utf-8")
            path.chmod(0o600)
            source.update(username=self.user, password_file=str(path))
        return {**source, **extra}

    def snapshot(self, jpeg: bytes) -> None:
        with self._lock:
            if self.mode_now != "freeze":
                self.jpeg = jpeg

    def mode(self, mode: Mode) -> None:
        self.mode_now = mode
        if mode == "stall":
            self._unstall.clear()
        else:
            self._unstall.set()

    def start(self) -> None:
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                logger.debug("%s: " + format, camera.device_id, *args)

            def do_GET(self) -> None:
                camera.requests += 1
                if self.path != PATH:
                    self.send_error(404)
                    return
                if not camera.authorised(self.headers.get("Authorization", "")):
                    camera.refused += 1
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", camera.challenge())
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if camera.mode_now == "stall":
                    camera._unstall.wait(60)
                with camera._lock:
                    jpeg = camera.jpeg
                etag = '"' + hashlib.sha1(jpeg).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(jpeg)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(jpeg)

        deadline = time.monotonic() + 10
        while True:
            try:
                self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"http-cam-{self.device_id}", daemon=True
        )
        self._thread.start()

    def challenge(self) -> str:
        if self.auth == "basic":
            return f'Basic realm="{REALM}"'
        nonce = secrets.token_hex(16)
        with self._lock:
            self._nonces.add(nonce)
        return f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'

    def authorised(self, header: str) -> bool:
        if self.auth == "none":
            return True
        scheme, _, rest = header.partition(" ")
        if self.auth == "basic" and scheme.lower() == "basic":
            expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return hmac.compare_digest(rest.strip(), expected)
        if self.auth != "digest" or scheme.lower() != "digest":
            return False
        p = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
             for m in _PARAM.finditer(rest)}  # fmt: skip
        with self._lock:
            known = p.get("nonce") in self._nonces
        if not known or p.get("username") != self.user or p.get("qop") != "auth":
            return False
        ha1 = _md5(f"{self.user}:{REALM}:{self.password}")
        ha2 = _md5(f"GET:{p.get('uri', '')}")
        expected = _md5(f"{ha1}:{p['nonce']}:{p.get('nc')}:{p.get('cnonce')}:auth:{ha2}")
        return hmac.compare_digest(expected, p.get("response", ""))

    def crash(self) -> None:
        if self._server is not None:
            self._unstall.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        self.crash()

    def close(self) -> None:
        self.stop()
        if self._secrets is not None:
            self._secrets.cleanup()
