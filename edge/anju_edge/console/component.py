"""The gate console as a service component: its store, the writer thread that records gate
events and alerts, the action sender and the HTTP server (uvicorn in a thread on
`console.host:console.port`).

It is given only what it needs of the box: the synced staff accounts and alert routing, the
devices' health, a way to send a command to a gate and the outbox's depth (alerts queued for
the gateway); the service tells it when the gateway was reached
(:meth:`GateConsole.gateway_reached`). The service feeds it with `enqueue` (alerts from the
sink, gate events from the gate worker).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

import uvicorn

from anju_common.fanout import EventHub
from anju_common.limiter import SlidingWindowLimiter
from anju_contracts import Alert, DeviceHealth, RoutingPolicy, StaffAccount
from anju_edge.config import EdgeConfig
from anju_edge.console.actions import ActionSender
from anju_edge.console.app import create_console_app
from anju_edge.console.context import ConsoleContext, UplinkWatch
from anju_edge.console.desk import Desk, SendCommand
from anju_edge.console.store import ConsoleStore
from anju_edge.ingest import GateEventIn

logger = logging.getLogger(__name__)

INBOX_SIZE = 10_000


class GateConsole:
    def __init__(
        self,
        config: EdgeConfig,
        *,
        staff: Callable[[], dict[str, StaffAccount]],
        device_health: Callable[[], list[DeviceHealth]],
        send_command: SendCommand,
        queued_alerts: Callable[[], int],
        routing: Callable[[], RoutingPolicy] = RoutingPolicy,
        passage_upload: Callable[[], bool] = bool,
    ) -> None:
        self.config = config
        self.staff = staff
        self.uplink = UplinkWatch(config.gateway.heartbeat_s, config.gateway.timeout_s)
        self.store = ConsoleStore(config.data_dir / "console.sqlite3")
        self.sender = ActionSender(config, self.store)
        self.hub = EventHub()
        self.sender.on_delivered = self.uplink.reached
        self.desk = Desk(
            config.compound_id,
            self.store,
            self.hub,
            send_command,
            self.sender.notify,
            answer_s=config.console.door_answer_s,
            routing=routing,
        )
        self.throttle = SlidingWindowLimiter(5, 300)
        # At most 10 remote openings a minute per user: a stolen session cannot cycle a door.
        self.door_limit = SlidingWindowLimiter(10, 60)
        self.context = ConsoleContext(
            config=config,
            store=self.store,
            hub=self.hub,
            desk=self.desk,
            staff=staff,
            routing=routing,
            device_health=device_health,
            throttle=self.throttle,
            door_limit=self.door_limit,
            uplink=self.uplink,
            queued_alerts=queued_alerts,
            passage_upload=passage_upload,
        )
        self._inbox: queue.Queue[GateEventIn | Alert] = queue.Queue(INBOX_SIZE)
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        self.server: uvicorn.Server | None = None
        self._server_thread: threading.Thread | None = None

    def enqueue(self, item: GateEventIn | Alert) -> None:
        """A listener, called on the rules and detector threads: only enqueues."""
        try:
            self._inbox.put_nowait(item)
        except queue.Full:
            logger.warning("gate console inbox full: an item is not shown")

    def gateway_reached(self) -> None:
        """The box just reached the gateway (a heartbeat or sync went through): the uplink
        is up, and queued actions need not wait out their backoff."""
        self.uplink.reached()
        self.sender.kick()

    # --- lifecycle ---
    def start(self) -> None:
        self._writer = threading.Thread(target=self._write_loop, name="console-writer", daemon=True)
        self._writer.start()
        self.sender.start()
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_console_app(self.context),
                host=self.config.console.host,
                port=self.config.console.port,
                log_level="warning",
                access_log=False,
                # uvicorn believes X-Forwarded-For from loopback by default: a local process
                # could then pose as any address (and dodge the login limit). Only a proxy
                # named in the config is believed.
                proxy_headers=self.config.console.trusted_proxy is not None,
                forwarded_allow_ips=self.config.console.trusted_proxy or "",
            )
        )
        self._server_thread = threading.Thread(
            target=self.server.run, name="console-http", daemon=True
        )
        self._server_thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.server is not None:
            self.server.should_exit = True
        if self._server_thread is not None:
            self._server_thread.join(timeout=10)
        self.sender.stop()
        if self._writer is not None:
            self._writer.join(timeout=5)
        self.store.close()

    # --- the writer thread: SQLite and the live feed ---
    def _write_loop(self) -> None:
        next_sweep = 0.0
        while not self._stop.is_set():
            try:
                item: GateEventIn | Alert | None = self._inbox.get(timeout=0.5)
            except queue.Empty:
                item = None
            try:
                if item is not None:
                    self.desk.record(item)
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + 0.5
                    self.desk.expire_commands()
            except Exception:
                logger.exception("gate console could not record an item")
