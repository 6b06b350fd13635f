"""One time for the pass log: each gate's clock offset taken out.

A gate's events carry its own clock, which may be minutes off (a gate 95 s slow would put its
rows among the other gate's out of order). The box knows the offset: each event's own time
minus the box's receive time is the offset less the event's transit delay, and a delay is never
negative, so the largest of a gate's recent samples is the best estimate of its offset. An event
the clock check already put at the box's time (a clock further off than ``clock_skew_s``, see
:mod:`anju_edge.gate.clock`) gives a zero sample and stays where it is.

Corrected time = the gate's time - its offset, never later than the box received it. Only the
console's writer thread uses one instance.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=10)  # samples older than this (box time) no longer count
MAX_SAMPLES = 50


class GateClocks:
    def __init__(self) -> None:
        self._samples: dict[str, deque[tuple[datetime, timedelta]]] = {}

    def correct(self, gate_id: str, device_ts: datetime, received: datetime) -> datetime:
        samples = self._samples.setdefault(gate_id, deque(maxlen=MAX_SAMPLES))
        samples.append((received, device_ts - received))
        while samples and samples[0][0] < received - WINDOW:
            samples.popleft()
        offset = max(s for _, s in samples)
        return min(device_ts - offset, received)

    def offset_s(self, gate_id: str) -> float | None:
        """The current estimate in seconds (positive: the gate's clock is ahead)."""
        samples = self._samples.get(gate_id)
        if not samples:
            return None
        return max(s for _, s in samples).total_seconds()
