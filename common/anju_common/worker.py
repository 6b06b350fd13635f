"""The one background worker: a thread that runs rounds until stopped, woken early on demand,
backing off after failures.

Every long-running job of the edge and the gateway is one of these: the uplink, the gate
console's action sender, the heartbeat, the precinct link, the SLA sweeper and the supervision
of silent boxes. A round returns how long to wait before the next one (None: the idle wait);
an exception in a round is logged and waits `error_delay()`.

Two ways to wake it: `notify()` ends an idle wait only (new work while healthy), `kick()` ends
any wait, including a backoff (proof that the peer is reachable again).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from anju_common.ratelog import RateLimitedLog

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)


class Backoff:
    """Exponential backoff with full jitter, so boxes recovering together do not stampede."""

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None) -> None:
        self.initial = initial
        self.maximum = maximum
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * (2**self.failures))
        self.failures += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0


class Worker:
    def __init__(
        self,
        name: str,
        round_: Callable[[], float | None],
        *,
        idle_s: float,
        error_delay: Callable[[], float] | None = None,
        initial_delay_s: float = 0.0,
        join_timeout_s: float = 5.0,
    ) -> None:
        self.name = name
        self._round = round_
        self.idle_s = idle_s
        self._error_delay = error_delay
        self._initial_delay_s = initial_delay_s
        self._join_timeout_s = join_timeout_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._kick = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the thread to end after its current round, without waiting for it."""
        self._stop.set()
        self._wake.set()
        self._kick.set()

    def stop(self, timeout_s: float | None = None) -> None:
        """End the thread, waiting at most ``timeout_s`` (default: the worker's join timeout);
        a thread still busy after that is left to end on its own (it is a daemon)."""
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout=self._join_timeout_s if timeout_s is None else timeout_s)
        self._thread = None

    def notify(self) -> None:
        """New work: end an idle wait (a backoff still runs its course)."""
        self._wake.set()

    def kick(self) -> None:
        """The peer is back: end any wait, backoff included."""
        self._wake.set()
        self._kick.set()

    def _run(self) -> None:
        if self._initial_delay_s and self._kick.wait(self._initial_delay_s):
            self._kick.clear()
        while not self._stop.is_set():
            try:
                delay = self._round()
            except Exception as exc:
                # A failing round repeats (a database away for a minute fails every round):
                # the traceback once a minute per worker and kind of error, not every round.
                _ratelog.exception(
                    f"{self.name}:{type(exc).__name__}", "%s: round failed", self.name
                )
                delay = self._error_delay() if self._error_delay else self.idle_s
            if self._stop.is_set():
                return
            if delay is None:
                self._wake.wait(self.idle_s)
            else:
                self._kick.wait(delay)
            self._wake.clear()
            self._kick.clear()
