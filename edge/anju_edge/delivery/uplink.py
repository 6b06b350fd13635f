"""Uplink worker: drains the outbox to the gateway in batches, exactly once per alert id.

An alert leaves the outbox only when the gateway acknowledged its id (stored or duplicate),
so a crash between upload and delete just re-sends ids the gateway already has. The same holds
for a batch whose upload timed out on one of the gateway's replicas: ``client.post`` sends it
unchanged to the next URL (`delivery/link.py`), which acknowledges what it already holds as
duplicates.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx

from anju_common.ratelog import RateLimitedLog
from anju_contracts import AlertBatch, AlertBatchResult
from anju_edge.config import GatewayLink
from anju_edge.delivery.enrol import read_token
from anju_edge.delivery.link import GatewayWorker, Poster, bearer
from anju_edge.delivery.outbox import Outbox, QueuedAlert
from anju_edge.metrics import UPLINK_BYTES, UPLINK_DEAD, UPLINK_FAILURES, UPLINK_SENT

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

IDLE_S = 5.0  # with nothing queued, look again this often (a committed alert wakes it at once)

# The batch envelope comes from the contract; the alerts inside are spliced in as the outbox
# stored them (already serialised, and not re-validated: a payload the gateway refuses is found
# by its 422, one by one, and must not stop the uplink here).
_BATCH_HEAD, _BATCH_TAIL = AlertBatch.model_construct(alerts=[]).model_dump_json().split("[]")


_SNAPSHOT_KEY = '"snapshot_jpeg_b64":"'


def thumbnail_chars(payload: str) -> int:
    """Characters of the base64 thumbnail inside an alert serialised as JSON (0: none)."""
    start = payload.find(_SNAPSHOT_KEY)
    if start < 0:
        return 0
    start += len(_SNAPSHOT_KEY)
    end = payload.find('"', start)
    return max(0, end - start)


def batch_body(payloads: list[str]) -> bytes:
    """An :class:`AlertBatch` body around alerts already serialised as JSON."""
    return (_BATCH_HEAD + "[" + ",".join(payloads) + "]" + _BATCH_TAIL).encode("utf-8")


class Uplink(GatewayWorker):
    def __init__(self, link: GatewayLink, outbox: Outbox, token_path: Path) -> None:
        super().__init__(
            "uplink", link, idle_s=IDLE_S, join_timeout_s=link.timeout_s + 5, bytes_kind="alerts"
        )
        self.outbox = outbox
        self.token_path = token_path
        self.connected = False
        self._thumbnails = 0  # base64 characters of thumbnails in the request being sent

    def count_bytes(self, size: int) -> None:
        # Thumbnails are counted apart from the rest of the alerts (base64 is ASCII: 1 char =
        # 1 byte).
        UPLINK_BYTES.labels(kind="thumbnails").inc(self._thumbnails)
        UPLINK_BYTES.labels(kind="alerts").inc(size - self._thumbnails)

    def work(self, client: Poster) -> float | None:
        return self.drain_once(client)

    def drain_once(self, client: Poster) -> float | None:
        """Send batches until the outbox is empty (None) or a failure asks for a delay."""
        while not self.stopping:
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

    def _send(self, client: Poster, token: str, batch: list[QueuedAlert]) -> float | None:
        self._thumbnails = sum(thumbnail_chars(q.payload) for q in batch)
        try:
            resp = client.post(
                "/api/v1/edge/alerts",
                content=batch_body([q.payload for q in batch]),
                headers=bearer(token),
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
