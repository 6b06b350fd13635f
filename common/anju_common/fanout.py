"""In-process fan-out of events to live-feed subscribers (SSE), shared by gateway and edge.

Publishers may be worker threads; subscribers are asyncio queues on the server's loop. When the
server stops, `close()` hands every subscriber (and any later one) `CLOSED`, so streams end at
once instead of holding the shutdown.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    type: str  # "alert.new", "alert.updated", "gate.event", ...
    compound_id: str | None
    data: dict[str, Any]


# The last event a subscriber gets: the server is stopping.
CLOSED = Event("hub.closed", None, {})


class EventHub:
    def __init__(self, queue_size: int = 1000) -> None:
        self._lock = threading.Lock()
        self._subs: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]] = []
        self._queue_size = queue_size
        self._closed = False
        self.dropped = 0

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subs)

    def subscribe(self) -> asyncio.Queue[Event]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        with self._lock:
            self._subs.append((loop, queue))
            if self._closed:
                queue.put_nowait(CLOSED)
        return queue

    def close(self) -> None:
        """The server is stopping: every subscriber, now or later, gets `CLOSED` next."""
        with self._lock:
            self._closed = True
            subs = list(self._subs)
        for loop, queue in subs:
            try:
                loop.call_soon_threadsafe(self._offer_closed, queue)
            except RuntimeError:  # loop closed: the subscriber is gone
                self.unsubscribe(queue)

    def unsubscribe(self, queue: asyncio.Queue[Event]) -> None:
        with self._lock:
            self._subs = [(lp, q) for lp, q in self._subs if q is not queue]

    def publish(self, event: Event) -> None:
        with self._lock:
            subs = list(self._subs)
        # One wake-up per event loop, not one per subscriber: a server has one loop and may have
        # hundreds of open feeds.
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Queue[Event]]] = {}
        for loop, queue in subs:
            by_loop.setdefault(loop, []).append(queue)
        for loop, queues in by_loop.items():
            try:
                loop.call_soon_threadsafe(self._offer_all, queues, event)
            except RuntimeError:  # loop closed: its subscribers are gone
                for queue in queues:
                    self.unsubscribe(queue)

    def _offer_all(self, queues: list[asyncio.Queue[Event]], event: Event) -> None:
        for queue in queues:
            self._offer(queue, event)

    @staticmethod
    def _offer_closed(queue: asyncio.Queue[Event]) -> None:
        if queue.full():  # the end must arrive even at a stalled console
            queue.get_nowait()
        queue.put_nowait(CLOSED)

    def _offer(self, queue: asyncio.Queue[Event], event: Event) -> None:
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            # A stalled console must not hold memory without bound; it reloads on reconnect.
            self.dropped += 1
