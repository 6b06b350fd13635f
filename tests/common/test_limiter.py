"""The one sliding-window limiter, as login throttling and door openings use it."""

from __future__ import annotations

from anju_common.limiter import SlidingWindowLimiter


def test_record_then_retry_after_counts_down_to_zero() -> None:
    limiter = SlidingWindowLimiter(3, 60)
    key = ("officer", "10.0.0.7")
    for t in (0.0, 1.0, 2.0):
        assert limiter.retry_after(key, t) == 0.0
        limiter.record(key, t)
    assert limiter.retry_after(key, 10.0) == 50.0  # the oldest failure leaves at t=60
    assert limiter.retry_after(key, 60.5) == 0.0
    assert limiter.retry_after(("officer", "10.0.0.8"), 10.0) == 0.0  # keys are separate


def test_clear_forgets_a_key() -> None:
    limiter = SlidingWindowLimiter(1, 300)
    limiter.record("pm", 0.0)
    assert limiter.retry_after("pm", 1.0) > 0
    limiter.clear("pm")
    assert limiter.retry_after("pm", 1.0) == 0.0


def test_acquire_allows_max_events_per_window_and_counts_only_what_it_allows() -> None:
    limiter = SlidingWindowLimiter(2, 60)
    assert limiter.acquire("guard", 0.0)
    assert limiter.acquire("guard", 1.0)
    assert not limiter.acquire("guard", 2.0)
    assert not limiter.acquire("guard", 59.0)
    assert limiter.acquire("guard", 60.5)  # the first left the window; refusals did not count
    assert not limiter.acquire("guard", 60.6)
