"""The one sliding-window limiter: at most N events per key within a window.

Used for login throttling (key: user and address; and per address alone) and for remote door
openings (key: user). In memory on purpose: a restart forgets, which is fine for slowing down
guessing or a stolen session, and it needs no table writes on a hot path.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Hashable

MAX_KEYS = 100_000  # bound memory under a spraying attack


class SlidingWindowLimiter:
    def __init__(self, max_events: int, window_s: float) -> None:
        self.max_events = max_events
        self.window_s = window_s
        self._events: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: Hashable, now: float) -> deque[float]:
        times = self._events.setdefault(key, deque())
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def retry_after(self, key: Hashable, now: float | None = None) -> float:
        """Seconds to wait before another event for `key` is allowed (0: allowed now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self.max_events:
                return 0.0
            return max(0.0, self.window_s - (now - times[0]))

    def record(self, key: Hashable, now: float | None = None) -> None:
        """Count one event for `key` (a failed login, say)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._events) > MAX_KEYS:
                self._events.clear()

    def acquire(self, key: Hashable, now: float | None = None) -> bool:
        """Count one event for `key` if the window has room; False (nothing counted) if not."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._recent(key, now)
            if len(times) >= self.max_events:
                return False
            times.append(now)
            if len(self._events) > MAX_KEYS:
                self._events.clear()
            return True

    def clear(self, key: Hashable) -> None:
        with self._lock:
            self._events.pop(key, None)
