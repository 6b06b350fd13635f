"""Edge sync: keeps the gateway's watchlist, staff accounts and the precinct's alert routing,
and the last copy on disk.

Long-polls ``GET /api/v1/edge/sync?wait=N`` with ``If-None-Match`` so a change made at the
gateway reaches the box within a round trip, and writes every new copy to
``data_dir/sync.json`` atomically (temp file + fsync + rename). At start the disk copy is
loaded first, so a box that boots while the uplink is down still matches its watchlist.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from anju_common.ratelog import RateLimitedLog
from anju_common.worker import Backoff
from anju_contracts import EdgeSync, RoutingPolicy, StaffAccount
from anju_edge.config import GatewayLink
from anju_edge.delivery.enrol import read_token
from anju_edge.delivery.link import FAILOVER_STATUS, GatewayUrls, request_bytes
from anju_edge.delivery.tls import tls_context
from anju_edge.metrics import SYNC_FAILURES, SYNC_UPDATES, UPLINK_BYTES

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)
_SYNC_BYTES = UPLINK_BYTES.labels(kind="sync")

SYNC_FILE = "sync.json"


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_cached(path: Path, compound_id: str) -> EdgeSync | None:
    try:
        cached = EdgeSync.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError, ValueError) as exc:
        # A damaged cache is not fatal: the next successful sync replaces it.
        logger.warning("ignoring unreadable sync cache %s: %s", path, str(exc)[:200])
        return None
    if cached.compound_id != compound_id:
        logger.warning("sync cache %s is for compound %s; ignored", path, cached.compound_id)
        return None
    return cached


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connect"
    return "network"


class EdgeSyncClient:
    """A service component: ``start``/``stop``; ``current()`` is safe from any thread."""

    def __init__(
        self,
        link: GatewayLink,
        token_path: Path,
        data_dir: Path,
        compound_id: str,
        wait_s: int = 25,
    ) -> None:
        self.link = link
        self.token_path = token_path
        self.path = data_dir / SYNC_FILE
        self.compound_id = compound_id
        self.wait_s = wait_s
        self._lock = threading.Lock()
        self._current = load_cached(self.path, compound_id)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: http.client.HTTPConnection | None = None
        self._conn_url = ""  # the base URL self._conn is connected to
        self._prefix = ""
        self.urls = GatewayUrls.of(link, "sync")
        self.backoff = Backoff(link.backoff_initial_s, max(link.backoff_max_s, link.sync_s))
        self.listeners: list[Callable[[EdgeSync], None]] = []
        self.synced = threading.Event()  # set after the first answer from the gateway
        self.on_reachable: list[Callable[[], None]] = []  # after each answer (see heartbeat)

    def current(self) -> EdgeSync | None:
        with self._lock:
            return self._current

    def staff(self) -> dict[str, StaffAccount]:
        """The compound's staff accounts by username, from the latest copy (none before one)."""
        current = self.current()
        return {s.username: s for s in current.staff} if current else {}

    def routing(self) -> RoutingPolicy:
        """Who handles which alert in the precinct (the defaults before any copy)."""
        current = self.current()
        return current.routing if current else RoutingPolicy()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="edge-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        conn = self._conn
        sock = conn.sock if conn is not None else None
        if sock is not None:
            # Wakes the thread out of a held long-poll and tells the gateway we left.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.poll_once()
            except Exception:
                if self._stop.is_set():
                    break
                logger.exception("edge sync failed")
                delay = self.backoff.next_delay()
            if delay:
                self._stop.wait(delay)
        self._close()

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is not None and self._conn_url != self.urls.current:
            self._close()  # failed over (gateway.urls): connect to the new current URL
        if self._conn is None:
            self._conn_url = self.urls.current
            url = urlsplit(self._conn_url)
            timeout = self.link.timeout_s  # each request sets its own (see _get)
            cls = (
                http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
            )
            if cls is http.client.HTTPSConnection:
                self._conn = http.client.HTTPSConnection(
                    url.hostname or "localhost",
                    url.port,
                    timeout=timeout,
                    context=tls_context(self.link),
                )
            else:
                self._conn = cls(url.hostname or "localhost", url.port, timeout=timeout)
            self._prefix = url.path.rstrip("/")
        return self._conn

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _get(self, headers: dict[str, str], query: str) -> tuple[int, bytes]:
        conn = self._connection()
        # A held long-poll must outlive the server's hold, so its timeout adds the wait; a plain
        # poll (the first) gets timeout_s alone, so a replica that never answers is left soon.
        timeout = self.link.timeout_s + (self.wait_s if query else 0)
        conn.timeout = timeout  # for the connect, when the connection is new
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        target = f"{self._prefix}/api/v1/edge/sync{query}"
        # http.client adds Host and Accept-Encoding to the headers given here.
        sent = [
            *headers.items(),
            ("Host", f"{conn.host}:{conn.port}"),
            ("Accept-Encoding", "identity"),
        ]
        _SYNC_BYTES.inc(request_bytes("GET", target, sent, 0))
        try:
            conn.request("GET", target, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        except BaseException:
            self._close()  # a half-read connection cannot be reused
            raise

    def poll_once(self) -> float:
        """One request; returns how long to wait before the next (0 = at once, long-poll)."""
        token = read_token(self.token_path)
        if token is None:
            SYNC_FAILURES.labels(reason="no_token").inc()
            _ratelog.warning("no-token", "edge sync: no device token at %s", self.token_path)
            return self.backoff.next_delay()
        headers = {"Authorization": f"Bearer {token}"}
        current = self.current()
        if current is not None:
            headers["If-None-Match"] = f'"{current.version}"'
        params = f"?wait={self.wait_s}" if current is not None and self.wait_s else ""
        base = self.urls.current
        try:
            status, content = self._get(headers, params)
        except (OSError, http.client.HTTPException) as exc:
            if self._stop.is_set():
                return 0
            SYNC_FAILURES.labels(reason="network").inc()
            _ratelog.warning(
                "network", "edge sync: gateway unreachable (%s); using the last copy",
                type(exc).__name__,
            )  # fmt: skip
            return self._failed(base, _reason(exc))
        if status in FAILOVER_STATUS:
            self._close()
            SYNC_FAILURES.labels(reason=str(status)).inc()
            _ratelog.warning("status", "edge sync: gateway answered %d", status)
            return self._failed(base, str(status))
        self.urls.succeeded(base)
        if status == 304:
            self.backoff.reset()
            self.synced.set()
            self._reachable()
            # Without long-poll, fall back to the configured interval.
            return 0 if params else self.link.sync_s
        if status != 200:
            SYNC_FAILURES.labels(reason=str(status)).inc()
            _ratelog.warning("status", "edge sync: gateway answered %d", status)
            return self.backoff.next_delay()
        try:
            fresh = EdgeSync.model_validate_json(content)
        except ValidationError as exc:
            SYNC_FAILURES.labels(reason="schema").inc()
            _ratelog.warning("schema", "edge sync: invalid answer: %s", str(exc)[:200])
            return self.backoff.next_delay()
        if fresh.compound_id != self.compound_id:
            SYNC_FAILURES.labels(reason="foreign_compound").inc()
            _ratelog.warning("foreign", "edge sync: answer for compound %s", fresh.compound_id)
            return self.backoff.next_delay()
        self._apply(fresh, content)
        self.backoff.reset()
        self._reachable()
        return 0 if self.wait_s else self.link.sync_s

    def _failed(self, base: str, reason: str) -> float:
        """The current URL failed: the next poll goes at once to the next of ``gateway.urls``;
        the backoff once every URL has failed in turn (at once with a single URL)."""
        if self.urls.failed(base, reason):
            return self.backoff.next_delay()
        return 0

    def _reachable(self) -> None:
        for callback in self.on_reachable:
            try:
                callback()
            except Exception:
                logger.exception("edge sync: a listener failed")

    def _apply(self, fresh: EdgeSync, raw: bytes) -> None:
        try:
            write_atomic(self.path, raw)
        except OSError as exc:
            # Keep going with the new copy in memory; the box just loses it on a reboot.
            SYNC_FAILURES.labels(reason="disk").inc()
            _ratelog.warning("disk", "edge sync: cannot write %s: %s", self.path, exc)
        with self._lock:
            self._current = fresh
        SYNC_UPDATES.inc()
        self.synced.set()
        logger.info(
            "synced version %s: %d watchlist entries, %d staff",
            fresh.version[:12], len(fresh.watchlist), len(fresh.staff),
        )  # fmt: skip
        for listener in list(self.listeners):
            try:
                listener(fresh)
            except Exception:
                logger.exception("sync listener failed")
