"""Sends the gate console's alert actions to the gateway, oldest first, each until the gateway
acknowledged it (204); they wait in console.sqlite3 while the uplink is down."""

from __future__ import annotations

import logging
import threading

import httpx

from anju_common.ratelog import RateLimitedLog
from anju_edge.config import EdgeConfig
from anju_edge.console.store import ConsoleStore
from anju_edge.delivery.uplink import Backoff, read_token

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)


class ActionSender:
    def __init__(self, config: EdgeConfig, store: ConsoleStore) -> None:
        self.config = config
        self.store = store
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        link = config.gateway
        self.backoff = Backoff(link.backoff_initial_s, link.backoff_max_s)

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="console-actions", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.gateway.timeout_s + 2)

    def send_pending(self, client: httpx.Client) -> float | None:
        """Send every queued action; returns a delay when the gateway could not be reached."""
        for action_id, payload in self.store.pending_actions():
            token = read_token(self.config.token_path())
            if token is None:
                return self.backoff.next_delay()
            try:
                resp = client.post(
                    "/api/v1/edge/alert-actions",
                    content=payload,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
            except httpx.HTTPError as exc:
                _ratelog.warning("net", "gate console action waits: %s", type(exc).__name__)
                return self.backoff.next_delay()
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

    def _run(self) -> None:
        link = self.config.gateway
        with httpx.Client(base_url=link.url, timeout=link.timeout_s) as client:
            while not self._stop.is_set():
                try:
                    delay = self.send_pending(client)
                except Exception:
                    logger.exception("sending console actions failed")
                    delay = self.backoff.next_delay()
                self._wake.wait(timeout=delay if delay is not None else 5.0)
                self._wake.clear()
