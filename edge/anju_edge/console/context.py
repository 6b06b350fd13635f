"""What the console's HTTP routes are given: its store, live-feed hub and desk, the limiters,
and two narrow views of the box (the synced staff accounts, the devices' health)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from anju_common.fanout import EventHub
from anju_common.limiter import SlidingWindowLimiter
from anju_contracts import DeviceHealth, StaffAccount
from anju_edge.config import EdgeConfig
from anju_edge.console.desk import Desk
from anju_edge.console.store import ConsoleStore


@dataclass(frozen=True, slots=True)
class ConsoleContext:
    config: EdgeConfig
    store: ConsoleStore
    hub: EventHub
    desk: Desk
    staff: Callable[[], dict[str, StaffAccount]]
    device_health: Callable[[], list[DeviceHealth]]
    throttle: SlidingWindowLimiter  # failed logins, per user and address
    door_limit: SlidingWindowLimiter  # remote door openings, per user


def console_context(request: Request) -> ConsoleContext:
    context: ConsoleContext = request.app.state.console
    return context


Ctx = Annotated[ConsoleContext, Depends(console_context)]
