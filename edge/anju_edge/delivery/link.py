"""Everything that talks to the gateway goes through here.

:class:`GatewayUrls` is the one place that knows the gateway's base URLs (``gateway.url``, or
the replicas of ``gateway.urls``) and which of them is in use: a request goes to the current
URL; when that one refuses the connection, cannot be reached, times out, drops the connection
without an answer, or answers 502/503/504, the same request goes to the next URL in the list
(round-robin), and the URL that answered stays the current one (sticky). Any other answer — a
2xx, or a 4xx such as 401 (token revoked), 409 or 422 — is the gateway's answer and is never a
reason to try another replica.

The callers' backoff applies once per *round*: only when every URL has failed in turn does a
request fail (the exception or the answer of the last URL tried), and the caller then sits out
its usual delay, exactly as a box with one URL does after its one failure. So a dead replica
costs one connect attempt (or one timeout) per round, not a backoff.

A timed-out request has an unknown outcome: the replica may have stored it. It is sent again,
unchanged, to the next URL — which is safe because everything the box sends is idempotent at the
gateway: alerts and passage records by id (a batch already stored comes back as ``duplicate``
receipts, which the outbox treats as acknowledged), console actions by ``action_id``, heartbeats
and sync polls by nature. The outbox forgets an alert only when some gateway acknowledged it.

:class:`GatewayWorker` is the base of every worker that talks to the gateway (the uplink, the
heartbeat, the gate console's action sender, the passage uplink): :class:`anju_common.worker.
Worker` rounds over one keep-alive HTTP client (wrapped in a :class:`GatewayClient`), opened by
the worker's first round and closed after it stops, and a backoff for failures. The edge sync
keeps its own long-poll connection and uses :class:`GatewayUrls` directly; ``anju edge enrol``
uses :func:`in_turn`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import httpx

from anju_common.ratelog import RateLimitedLog
from anju_common.worker import Backoff, Worker
from anju_edge.config import GatewayLink
from anju_edge.delivery.tls import tls_context
from anju_edge.metrics import GATEWAY_FAILOVERS, UPLINK_BYTES

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

# Answers that mean "this replica cannot serve now" (a proxy in front of a dead or overloaded
# replica): the request goes to the next URL. Every other answer is the gateway's.
FAILOVER_STATUS = frozenset({502, 503, 504})
# Transport failures that move to the next URL: refused / unreachable / reset (NetworkError),
# connect, read, write and pool timeouts, and a connection dropped without an answer.
FAILOVER_ERRORS: tuple[type[httpx.HTTPError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


def failover_reason(outcome: httpx.Response | BaseException) -> str | None:
    """Why ``outcome`` sends the request on to the next URL (None: it does not)."""
    if isinstance(outcome, httpx.Response):
        return str(outcome.status_code) if outcome.status_code in FAILOVER_STATUS else None
    if isinstance(outcome, httpx.TimeoutException):
        return "timeout"
    if isinstance(outcome, httpx.ConnectError):
        return "connect"
    if isinstance(outcome, FAILOVER_ERRORS):
        return "network"
    return None


class GatewayUrls:
    """The gateway's base URLs and the one in use (see the module's docstring). One per worker,
    safe from any thread."""

    def __init__(self, urls: Sequence[str], worker: str) -> None:
        if not urls:
            raise ValueError("no gateway URL")
        self.urls = tuple(u.rstrip("/") for u in urls)
        self.worker = worker
        self._lock = threading.Lock()
        self._current = 0
        self._failed_in_row = 0  # failures since the last answer, across rounds

    @classmethod
    def of(cls, link: GatewayLink, worker: str) -> GatewayUrls:
        return cls(link.base_urls, worker)

    @property
    def current(self) -> str:
        with self._lock:
            return self.urls[self._current]

    def round(self) -> list[str]:
        """Every URL once, the current one first, then the others in their configured order."""
        with self._lock:
            start = self._current
        n = len(self.urls)
        return [self.urls[(start + i) % n] for i in range(n)]

    def succeeded(self, url: str) -> None:
        """``url`` answered: it stays the current URL."""
        with self._lock:
            if url in self.urls:
                self._current = self.urls.index(url)
            self._failed_in_row = 0

    def failed(self, url: str, reason: str) -> bool:
        """``url`` did not answer (``reason``): the next URL becomes the current one. True when
        this completes a round in which every URL failed: time for the caller's backoff."""
        n = len(self.urls)
        with self._lock:
            if self.urls[self._current] == url:
                self._current = (self._current + 1) % n
            following = f"; trying {self.urls[self._current]}"
            self._failed_in_row += 1
            round_over = self._failed_in_row >= n
            if round_over:
                self._failed_in_row = 0
        if n > 1:
            GATEWAY_FAILOVERS.labels(worker=self.worker, reason=reason).inc()
            _ratelog.warning(
                f"failover-{self.worker}-{url}",
                "%s: gateway %s failed (%s)%s",
                self.worker,
                url,
                reason,
                "; every gateway URL failed, backing off" if round_over else following,
            )
        return round_over


class Poster(Protocol):
    """What a worker needs to send a request: a :class:`GatewayClient` (or, in tests, an
    ``httpx.Client`` with a base URL)."""

    def post(
        self, url: str, *, content: str | bytes, headers: dict[str, str]
    ) -> httpx.Response: ...


class GatewayClient:
    """An ``httpx.Client`` (without base URL) in front of :class:`GatewayUrls`: ``post(path)``
    tries the URLs of one round until one answers; when all fail it raises the last transport
    error or returns the last 502/503/504 answer, and the caller backs off as it always did."""

    def __init__(
        self,
        client: httpx.Client,
        urls: GatewayUrls,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.client = client
        self.urls = urls
        self.stopping = stopping

    def post(self, url: str, *, content: str | bytes, headers: dict[str, str]) -> httpx.Response:
        return self.request("POST", url, content=content, headers=headers)

    def request(
        self,
        method: str,
        path: str,
        *,
        content: str | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return in_turn(
            self.urls,
            lambda base: self.client.request(method, base + path, content=content, headers=headers),
            self.stopping,
        )

    def close(self) -> None:
        self.client.close()


def in_turn(
    urls: GatewayUrls,
    send: Callable[[str], httpx.Response],
    stopping: Callable[[], bool] = lambda: False,
) -> httpx.Response:
    """``send(base_url)`` on the URLs of one round until one answers (not with 502/503/504);
    when every one fails: the last transport error raised, or the last such answer returned.
    ``stopping``: checked before each next URL, so a stopping worker does not go on."""
    outcome: httpx.Response | httpx.HTTPError | None = None
    for base in urls.round():
        if outcome is not None and stopping():
            break
        try:
            outcome = send(base)
        except FAILOVER_ERRORS as exc:
            outcome = exc
        reason = failover_reason(outcome)
        if reason is None:
            assert isinstance(outcome, httpx.Response)
            urls.succeeded(base)
            return outcome
        urls.failed(base, reason)
    if isinstance(outcome, httpx.Response):
        return outcome
    assert outcome is not None
    raise outcome


def request_bytes(method: str, target: str, headers: list[tuple[str, str]], body: int) -> int:
    """Bytes of an HTTP/1.1 request on the wire (before TLS): request line, headers, body."""
    head = len(method) + 1 + len(target) + len(" HTTP/1.1\r\n")
    head += sum(len(k) + len(v) + 4 for k, v in headers) + 2
    return head + body


def bearer(token: str) -> dict[str, str]:
    """Headers of a JSON request made with the device token."""
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


class GatewayWorker:
    def __init__(
        self,
        name: str,
        link: GatewayLink,
        *,
        idle_s: float,
        join_timeout_s: float,
        error_delay: Callable[[], float] | None = None,
        bytes_kind: str = "",
    ) -> None:
        self.link = link
        self.bytes_kind = bytes_kind or name
        self.backoff = Backoff(link.backoff_initial_s, link.backoff_max_s)
        self.urls = GatewayUrls.of(link, name)
        self._client: GatewayClient | None = None
        self._worker = Worker(
            name,
            self._run_round,
            idle_s=idle_s,
            error_delay=error_delay or self.backoff.next_delay,
            join_timeout_s=join_timeout_s,
        )

    def work(self, client: Poster) -> float | None:
        """One round; returns the delay before the next (None: the idle wait). ``client.post``
        goes to the gateway's current URL, failing over as :class:`GatewayClient` does."""
        raise NotImplementedError

    @property
    def stopping(self) -> bool:
        return self._worker.stopping

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        self._worker.stop()
        if self._client is not None:
            self._client.close()
            self._client = None

    def notify(self) -> None:
        """New work: ends an idle wait, not a backoff."""
        self._worker.notify()

    def kick(self) -> None:
        """Ends any wait, a backoff included."""
        self._worker.kick()

    def _run_round(self) -> float | None:
        # Opened on the worker's own thread: building a client (its TLS context) takes a
        # moment, which must not delay the start of the service's other parts.
        if self._client is None:
            client = httpx.Client(
                timeout=self.link.timeout_s,
                verify=tls_context(self.link) or True,
                event_hooks={"request": [self._count]},
            )
            self._client = GatewayClient(client, self.urls, lambda: self.stopping)
        return self.work(self._client)

    def _count(self, request: httpx.Request) -> None:
        """Counts the request's bytes (uplink budget) under this worker's kind."""
        target = request.url.raw_path.decode("ascii", "replace")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        size = request_bytes(request.method, target, headers, len(request.content))
        self.count_bytes(size)

    def count_bytes(self, size: int) -> None:
        UPLINK_BYTES.labels(kind=self.bytes_kind).inc(size)
