"""The one background worker: rounds until stopped, notify() ends idle waits only, kick()
ends a backoff too, a failing round is logged and backs off, stop() returns promptly."""

from __future__ import annotations

import random
import threading
import time

from anju_common.worker import Backoff, Worker


def wait_until(predicate: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_backoff_grows_with_full_jitter_up_to_the_maximum_and_resets() -> None:
    backoff = Backoff(1.0, 8.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(6)]
    ceilings = [1, 2, 4, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    backoff.reset()
    assert 0.5 <= backoff.next_delay() <= 1.0


def test_notify_ends_an_idle_wait_but_not_a_backoff() -> None:
    rounds: list[float] = []
    answer: list[float | None] = [None]

    def round_() -> float | None:
        rounds.append(time.monotonic())
        return answer[0]

    worker = Worker("t-idle", round_, idle_s=30.0)
    worker.start()
    try:
        assert wait_until(lambda: len(rounds) == 1)
        worker.notify()  # idle: wakes at once
        assert wait_until(lambda: len(rounds) == 2, timeout=2.0)
        answer[0] = 30.0  # the next round asks for a long backoff
        worker.notify()
        assert wait_until(lambda: len(rounds) == 3, timeout=2.0)
        worker.notify()  # a backoff is not cut short by new work ...
        time.sleep(0.3)
        assert len(rounds) == 3
        worker.kick()  # ... but it is by proof that the peer is back
        assert wait_until(lambda: len(rounds) == 4, timeout=2.0)
    finally:
        started = time.monotonic()
        worker.stop()
        assert time.monotonic() - started < 2.0


def test_a_failing_round_is_logged_and_waits_the_error_delay(caplog: object) -> None:
    calls = threading.Semaphore(0)

    def round_() -> float | None:
        calls.release()
        raise RuntimeError("disk full")

    worker = Worker("t-fail", round_, idle_s=30.0, error_delay=lambda: 0.05)
    worker.start()
    try:
        for _ in range(3):  # it keeps going after failures, at the error delay
            assert calls.acquire(timeout=2.0)
    finally:
        worker.stop()
    assert "t-fail: round failed" in caplog.text  # type: ignore[attr-defined]


def test_initial_delay_postpones_the_first_round() -> None:
    rounds: list[float] = []
    worker = Worker("t-initial", lambda: rounds.append(1.0), idle_s=30.0, initial_delay_s=0.3)
    worker.start()
    try:
        time.sleep(0.1)
        assert rounds == []
        assert wait_until(lambda: len(rounds) == 1, timeout=2.0)
    finally:
        worker.stop()
