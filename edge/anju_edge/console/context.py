"""What the console's HTTP routes are given: its store, live-feed hub and desk, the limiters,
narrow views of the box (the synced staff accounts and routing, the devices' health, the outbox's
depth) and
whether the gateway is reached."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from anju_common.fanout import EventHub
from anju_common.limiter import SlidingWindowLimiter
from anju_contracts import DeviceHealth, RoutingPolicy, StaffAccount
from anju_edge.config import EdgeConfig
from anju_edge.console.desk import Desk
from anju_edge.console.store import ConsoleStore


class UplinkWatch:
    """Whether the box reaches the gateway: up while it was reached within two heartbeats
    (and a request's timeout) of now; unknown for that long after a start, then down."""

    def __init__(self, heartbeat_s: float, timeout_s: float) -> None:
        self.grace_s = 2 * heartbeat_s + timeout_s
        self._started = time.time()
        self._last: float | None = None  # time.time() of the last contact
        self._lock = threading.Lock()

    def reached(self) -> None:
        with self._lock:
            self._last = time.time()

    def state(self, now: float) -> tuple[str, float | None]:
        """("up" | "down" | "unknown", time of the last contact)."""
        with self._lock:
            last = self._last
        if last is None:
            return ("unknown" if now - self._started <= self.grace_s else "down"), None
        return ("up" if now - last <= self.grace_s else "down"), last


@dataclass(frozen=True, slots=True)
class ConsoleContext:
    config: EdgeConfig
    store: ConsoleStore
    hub: EventHub
    desk: Desk
    staff: Callable[[], dict[str, StaffAccount]]
    routing: Callable[[], RoutingPolicy]  # the precinct's routing, from edge sync
    device_health: Callable[[], list[DeviceHealth]]
    throttle: SlidingWindowLimiter  # failed logins, per user and address
    door_limit: SlidingWindowLimiter  # remote door openings, per user
    uplink: UplinkWatch
    queued_alerts: Callable[[], int]  # alerts in the outbox, not yet at the gateway
    passage_upload: Callable[[], bool]  # vehicle passage records go to the precinct (sync)


def console_context(request: Request) -> ConsoleContext:
    context: ConsoleContext = request.app.state.console
    return context


Ctx = Annotated[ConsoleContext, Depends(console_context)]
