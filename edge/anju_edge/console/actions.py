"""Sends the gate console's alert actions to the gateway, oldest first, each until the gateway
acknowledged it (204); they wait in console.sqlite3 while the uplink is down."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from anju_common.ratelog import RateLimitedLog
from anju_edge.config import EdgeConfig
from anju_edge.console.store import ConsoleStore
from anju_edge.delivery.enrol import read_token
from anju_edge.delivery.link import GatewayWorker, Poster, bearer

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

IDLE_S = 5.0  # with nothing queued, look again this often


class ActionSender(GatewayWorker):
    def __init__(self, config: EdgeConfig, store: ConsoleStore) -> None:
        link = config.gateway
        super().__init__(
            "console-actions",
            link,
            idle_s=IDLE_S,
            join_timeout_s=link.timeout_s + 2,
            bytes_kind="actions",
        )
        self.config = config
        self.store = store
        self.on_delivered: Callable[[], None] = lambda: None  # the gateway answered

    def notify(self) -> None:
        """A staff action was queued: try at once, even in the middle of a backoff."""
        self.kick()

    def work(self, client: Poster) -> float | None:
        return self.send_pending(client)

    def send_pending(self, client: Poster) -> float | None:
        """Send every queued action; returns a delay when the gateway could not be reached."""
        for action_id, payload in self.store.pending_actions():
            token = read_token(self.config.token_path())
            if token is None:
                return self.backoff.next_delay()
            try:
                resp = client.post(
                    "/api/v1/edge/alert-actions",
                    content=payload,
                    headers=bearer(token),
                )
            except httpx.HTTPError as exc:
                _ratelog.warning("net", "gate console action waits: %s", type(exc).__name__)
                return self.backoff.next_delay()
            self.on_delivered()
            if resp.status_code in (204, 404, 403, 422):
                if resp.status_code != 204:  # will never succeed: do not block the queue
                    logger.error(
                        "gateway refused console action %s: %d %s",
                        action_id,
                        resp.status_code,
                        resp.text[:200],
                    )
                self.store.action_done(action_id)
                self.backoff.reset()
                continue
            _ratelog.warning(
                f"http{resp.status_code}", "gateway answered %d to an action", resp.status_code
            )
            return self.backoff.next_delay()
        return None
