"""The pass log's one time: each gate's clock offset taken out (console/clocks.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from anju_edge.console.clocks import GateClocks

T0 = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def test_a_slow_and_a_fast_gate_land_at_the_box_time() -> None:
    clocks = GateClocks()
    # The slow gate's event happened a second before the fast gate's; each took 0.2 s to arrive.
    slow = clocks.correct("slow", T0 - 95 * S, T0 + 0.2 * S)
    fast = clocks.correct("fast", T0 + S + 30 * S, T0 + 1.2 * S)
    assert slow < fast
    assert slow == T0 + 0.2 * S and fast == T0 + 1.2 * S
    assert clocks.offset_s("slow") == -95.2 and clocks.offset_s("fast") == 29.8


def test_a_late_delivery_keeps_its_own_time() -> None:
    clocks = GateClocks()
    clocks.correct("g", T0 - 95 * S, T0)  # offset learnt: -95 s
    # An event the broker held for a minute (the box was restarting) arrives late: it stays
    # at the time it happened, not at its arrival.
    held = clocks.correct("g", T0 + 10 * S - 95 * S, T0 + 70 * S)
    assert held == T0 + 10 * S
    assert clocks.offset_s("g") == -95.0  # the late sample did not spoil the estimate


def test_never_later_than_received_and_old_samples_expire() -> None:
    clocks = GateClocks()
    clocks.correct("g", T0 + 300 * S, T0)  # the gate was 5 min fast
    # Its clock was set right: within the window the old offset would put events too early,
    # but once the old samples are 10 minutes old the estimate is the new one.
    later = T0 + 11 * 60 * S
    assert clocks.correct("g", later, later) == later
    assert clocks.offset_s("g") == 0.0
    # A corrected time never goes past the moment the box received the event.
    assert clocks.correct("h", T0 - 5 * S, T0 - 10 * S) <= T0 - 10 * S
    assert clocks.offset_s("unknown") is None
