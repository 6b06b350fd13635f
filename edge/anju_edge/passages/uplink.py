"""Sends the passage queue to ``POST /api/v1/edge/passages`` while the compound's passage upload
is on; a record leaves the queue only when the gateway acknowledged its id (stored or
duplicate), as alerts do. Switched off, the queue is emptied and nothing is sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import httpx

from anju_common.ratelog import RateLimitedLog
from anju_contracts import AlertBatchResult, PassageBatch
from anju_edge.config import GatewayLink
from anju_edge.delivery.enrol import read_token
from anju_edge.delivery.link import GatewayWorker, Poster, bearer
from anju_edge.passages.store import PassageQueue

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

IDLE_S = 5.0
BATCH = 200


class PassageUplink(GatewayWorker):
    def __init__(
        self, link: GatewayLink, queue: PassageQueue, token_path: Path, enabled: Callable[[], bool]
    ) -> None:
        super().__init__(
            "passages", link, idle_s=IDLE_S, join_timeout_s=link.timeout_s + 5,
            bytes_kind="passages",
        )  # fmt: skip
        self.queue = queue
        self.token_path = token_path
        self.enabled = enabled

    def work(self, client: Poster) -> float | None:
        while not self.stopping:
            if not self.enabled():
                # Read first: no write transaction every round on the box's SD card.
                dropped = self.queue.clear() if self.queue.depth() else 0
                if dropped:
                    logger.info("passage upload is off: %d waiting record(s) dropped", dropped)
                return None
            batch = self.queue.batch(BATCH)
            if not batch:
                return None
            token = read_token(self.token_path)
            if token is None:
                _ratelog.warning("no-token", "passages: no device token at %s", self.token_path)
                return self.backoff.next_delay()
            try:
                resp = client.post(
                    "/api/v1/edge/passages",
                    content=PassageBatch(passages=batch).model_dump_json(),
                    headers=bearer(token),
                )
            except httpx.HTTPError as exc:
                _ratelog.warning("network", "passages: gateway unreachable (%s)",
                                 type(exc).__name__)  # fmt: skip
                return self.backoff.next_delay()
            if resp.status_code != 200:
                _ratelog.warning(f"http{resp.status_code}", "passages: gateway answered %d",
                                 resp.status_code)  # fmt: skip
                return self.backoff.next_delay()
            result = AlertBatchResult.model_validate_json(resp.content)
            self.queue.ack({r.id for r in result.receipts})
            self.backoff.reset()
        return None
