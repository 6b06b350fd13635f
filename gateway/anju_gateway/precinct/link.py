"""Precinct link: every new alert POSTed, signed, to its precinct's webhook.

A background worker (:class:`anju_common.worker.Worker`, started in the app lifespan) does two
things each round:
1. queue: alerts past the cursor whose precinct has an enabled webhook become rows in
   ``webhook_deliveries`` (same transaction as the cursor move, so nothing is lost or doubled);
2. deliver: due rows are POSTed; 2xx marks them delivered, anything else schedules a retry
   with exponential backoff, and after ``webhook_max_attempts`` the row is dead-lettered.

Signature: ``X-Anju-Signature: sha256=<hex>`` = HMAC-SHA256(secret, f"{timestamp}.{body}")
with ``X-Anju-Timestamp`` the Unix seconds of the attempt, so receivers can refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

import httpx

from anju_common.ratelog import RateLimitedLog
from anju_common.worker import Worker
from anju_contracts import WebhookBody, format_ts
from anju_gateway.clock import Clock
from anju_gateway.jobs import JobLease
from anju_gateway.metrics import WEBHOOK_DELIVERIES
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.webhooks import (
    DEAD,
    DELIVERED,
    PENDING,
    Delivery,
    advance_cursor,
    due_deliveries,
    enqueue,
    get_webhook,
    has_new_alerts,
    new_alerts,
    record_attempt,
)

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

SIGNATURE_HEADER = "X-Anju-Signature"
TIMESTAMP_HEADER = "X-Anju-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (also used by the tests' receiver)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class PrecinctLink:
    def __init__(
        self, db: Database, settings: GatewaySettings, clock: Clock, lease: JobLease | None = None
    ) -> None:
        self.db = db
        self.lease = lease  # None: this is the only replica (tests driving a round directly)
        self.settings = settings
        self.clock = clock
        self._client: httpx.Client | None = None
        self._worker = Worker(
            "precinct-link",
            self._round,
            idle_s=settings.webhook_poll_s,
            join_timeout_s=settings.webhook_timeout_s + 5,
        )

    def start(self) -> None:
        self._client = httpx.Client(timeout=self.settings.webhook_timeout_s)
        self._worker.start()

    def request_stop(self) -> None:
        self._worker.request_stop()

    def stop(self, timeout_s: float | None = None) -> None:
        """Stop delivering; a POST still in flight after ``timeout_s`` is left to its daemon
        thread (the delivery stays queued and is sent again after a restart)."""
        self._worker.stop(timeout_s)
        if self._client is not None:
            self._client.close()
            self._client = None

    def notify(self) -> None:
        self._worker.notify()

    def _round(self) -> None:
        if self.lease is not None and not self.lease.held():
            return  # another replica delivers
        self.queue_new_alerts()
        if self._client is not None:
            self.deliver_due(self._client)

    def queue_new_alerts(self, batch: int = 500) -> int:
        now = format_ts(self.clock.now())
        queued = 0
        if not has_new_alerts(self.db.conn()):
            return 0  # the common case costs a read, not a write lock
        with self.db.write() as conn:
            last, rows = new_alerts(conn, limit=batch)
            for row in rows:
                if row.hook_enabled:
                    enqueue(
                        conn,
                        precinct_id=row.alert.precinct_id,
                        alert_id=row.alert.id,
                        body=WebhookBody(alert=row.alert).to_json(),
                        now=now,
                    )
                    queued += 1
                last = row.position
            if rows:
                advance_cursor(conn, last=last)
        return queued

    def deliver_due(self, client: httpx.Client, batch: int = 50) -> int:
        due = due_deliveries(self.db.conn(), now=format_ts(self.clock.now()), limit=batch)
        for delivery in due:
            if self._worker.stopping:
                break
            self._attempt(client, delivery)
        return len(due)

    def _backoff(self, attempts: int) -> float:
        s = self.settings
        delay = s.webhook_backoff_initial_s * 2 ** (attempts - 1)
        return float(min(s.webhook_backoff_max_s, delay))

    def _attempt(self, client: httpx.Client, d: Delivery) -> None:
        hook = get_webhook(self.db.conn(), precinct_id=d.precinct_id)
        status_code: int | None = None
        error = ""
        if hook is None or not hook.enabled:
            error = "webhook disabled"
        else:
            body = d.body.encode()
            stamp = str(int(self.clock.now().timestamp()))
            try:
                resp = client.post(
                    hook.url,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        TIMESTAMP_HEADER: stamp,
                        SIGNATURE_HEADER: sign(hook.secret, stamp, body),
                        "X-Anju-Event": "alert.new",
                        "X-Anju-Delivery": str(d.id),
                    },
                )
                status_code = resp.status_code
                if not 200 <= resp.status_code < 300:
                    error = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:300]
        attempts = d.attempts + 1
        now = self.clock.now()
        if not error:
            state, next_at = DELIVERED, None
        elif attempts >= self.settings.webhook_max_attempts:
            state, next_at = DEAD, None
            logger.warning(
                "webhook delivery %d (alert %s) dead after %d attempts: %s",
                d.id, d.alert_id, attempts, error,
            )  # fmt: skip
        else:
            state = PENDING
            next_at = format_ts(now + timedelta(seconds=self._backoff(attempts)))
            _ratelog.warning(f"hook:{d.precinct_id}", "webhook %s retry: %s", d.precinct_id, error)
        WEBHOOK_DELIVERIES.labels(outcome="retry" if state == PENDING else state).inc()
        with self.db.write() as conn:
            record_attempt(
                conn,
                delivery_id=d.id,
                status=state,
                next_attempt_at=next_at,
                last_status=status_code,
                last_error=error,
                now=format_ts(now),
            )
