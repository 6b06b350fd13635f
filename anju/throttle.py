"""Login throttling: after N failures for a user from one address, refuse for the window.

In memory on purpose: a restart forgets, which is fine for slowing down password guessing,
and it needs no table writes on the hot path of a failed login.
"""

from __future__ import annotations

import threading
from collections import deque


class LoginThrottle:
    def __init__(self, max_failures: int, window_s: float) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def retry_after(self, username: str, address: str, now: float) -> float:
        """Seconds to wait before another attempt is allowed (0: allowed now)."""
        with self._lock:
            times = self._recent((username, address), now)
            if len(times) < self.max_failures:
                return 0.0
            return max(0.0, self.window_s - (now - times[0]))

    def failed(self, username: str, address: str, now: float) -> None:
        with self._lock:
            self._recent((username, address), now).append(now)
            if len(self._failures) > 100_000:  # bound memory under a spraying attack
                self._failures.clear()

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username, address), None)
