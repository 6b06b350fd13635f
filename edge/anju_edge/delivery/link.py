"""The base of every worker that talks to the gateway (the uplink, the heartbeat, the gate
console's action sender): :class:`anju_common.worker.Worker` rounds over one keep-alive HTTP
client, opened by the worker's first round and closed after it stops, and a backoff for
failures."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from anju_common.worker import Backoff, Worker
from anju_edge.config import GatewayLink
from anju_edge.metrics import UPLINK_BYTES


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
        self._client: httpx.Client | None = None
        self._worker = Worker(
            name,
            self._run_round,
            idle_s=idle_s,
            error_delay=error_delay or self.backoff.next_delay,
            join_timeout_s=join_timeout_s,
        )

    def work(self, client: httpx.Client) -> float | None:
        """One round; returns the delay before the next (None: the idle wait)."""
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
            self._client = httpx.Client(
                base_url=self.link.url,
                timeout=self.link.timeout_s,
                event_hooks={"request": [self._count]},
            )
        return self.work(self._client)

    def _count(self, request: httpx.Request) -> None:
        """Counts the request's bytes (uplink budget) under this worker's kind."""
        target = request.url.raw_path.decode("ascii", "replace")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        size = request_bytes(request.method, target, headers, len(request.content))
        self.count_bytes(size)

    def count_bytes(self, size: int) -> None:
        UPLINK_BYTES.labels(kind=self.bytes_kind).inc(size)
