"""Uplink worker: drains the outbox to the gateway in batches, exactly once per alert id.

An alert leaves the outbox only when the gateway acknowledged its id (stored or duplicate),
so a crash between upload and delete just re-sends ids the gateway already has.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from pathlib import Path

import httpx

from anju_common.ratelog import RateLimitedLog
from anju_contracts import AlertBatchResult
from anju_edge.config import GatewayLink
from anju_edge.delivery.outbox import Outbox, QueuedAlert
from anju_edge.metrics import UPLINK_DEAD, UPLINK_FAILURES, UPLINK_SENT

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)


class Backoff:
    """Exponential backoff with full jitter, so boxes recovering together do not stampede."""

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None) -> None:
        self.initial = initial
        self.maximum = maximum
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * (2**self.failures))
        self.failures += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0


def read_token(path: Path) -> str | None:
    try:
        token = path.read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    return token or None


class Uplink:
    def __init__(self, link: GatewayLink, outbox: Outbox, token_path: Path) -> None:
        self.link = link
        self.outbox = outbox
        self.token_path = token_path
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.backoff = Backoff(link.backoff_initial_s, link.backoff_max_s)
        self.connected = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.link.timeout_s + 5)

    def notify(self) -> None:
        """Called after an alert is committed, so delivery starts without polling delay."""
        self._wake.set()

    def _run(self) -> None:
        with httpx.Client(base_url=self.link.url, timeout=self.link.timeout_s) as client:
            while not self._stop.is_set():
                try:
                    delay = self.drain_once(client)
                except Exception:
                    logger.exception("uplink iteration failed")
                    delay = self.backoff.next_delay()
                if delay is None:
                    self._wake.wait(timeout=5.0)
                else:
                    self._stop.wait(timeout=delay)
                self._wake.clear()

    def drain_once(self, client: httpx.Client) -> float | None:
        """Send batches until the outbox is empty (None) or a failure asks for a delay."""
        while not self._stop.is_set():
            batch = self.outbox.batch(self.link.batch_size)
            if not batch:
                return None
            token = read_token(self.token_path)
            if token is None:
                _ratelog.warning(
                    "no-token", "no device token at %s: run 'anju edge enrol'", self.token_path
                )
                UPLINK_FAILURES.labels(reason="no_token").inc()
                return self.backoff.next_delay()
            delay = self._send(client, token, batch)
            if delay is not None:
                return delay
        return None

    def _send(self, client: httpx.Client, token: str, batch: list[QueuedAlert]) -> float | None:
        body = '{"v":1,"alerts":[' + ",".join(q.payload for q in batch) + "]}"
        try:
            resp = client.post(
                "/api/v1/edge/alerts",
                content=body.encode("utf-8"),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
        except httpx.HTTPError as exc:
            self.connected = False
            UPLINK_FAILURES.labels(reason="network").inc()
            _ratelog.warning(
                "network",
                "gateway unreachable (%s); %d alert(s) wait",
                type(exc).__name__,
                self.outbox.depth(),
            )
            return self.backoff.next_delay()
        if resp.status_code == 200:
            result = AlertBatchResult.model_validate_json(resp.content)
            acked = [r.id for r in result.receipts]
            self.outbox.ack(acked)
            UPLINK_SENT.inc(len(acked))
            self.connected = True
            self.backoff.reset()
            return None
        self.connected = resp.status_code < 500
        UPLINK_FAILURES.labels(reason=str(resp.status_code)).inc()
        if resp.status_code == 422 and len(batch) > 1:
            # One bad alert must not block the rest: send them one by one to find it.
            for item in batch:
                delay = self._send(client, token, [item])
                if delay is not None:
                    return delay
            return None
        if resp.status_code == 422:
            self.outbox.dead_letter(batch[0].id, _detail(resp))
            UPLINK_DEAD.inc()
            logger.error("gateway refused alert %s as invalid: %s", batch[0].id, _detail(resp))
            return None
        _ratelog.warning(
            f"http{resp.status_code}", "gateway answered %d: %s", resp.status_code, _detail(resp)
        )
        if resp.status_code in (401, 403):
            return self.link.backoff_max_s
        return self.backoff.next_delay()


def _detail(resp: httpx.Response) -> str:
    try:
        return json.dumps(resp.json().get("detail"), ensure_ascii=False)[:300]
    except (ValueError, AttributeError):
        return resp.text[:300]
