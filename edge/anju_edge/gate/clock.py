"""Device clocks are not trusted: a gate event whose time is further from the box's clock than
``clock_skew_s`` is processed with the box's receive time, the device's own time kept as
``device_ts``, and the gate gets one ``clock_skew`` warning until its clock is back in range.

Only a comparison is computed with the device's time (a timedelta, defined for every year a
datetime can hold); nothing converts it to a number, so a gate at 1970 or at 2106 cannot
overflow anything downstream.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from anju_contracts import AlertKind, GateEvent, Severity, SourceKind
from anju_contracts.common import format_ts
from anju_edge.alerts import AlertDraft


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    event: GateEvent  # ts: the device's when in range, else the box's receive time
    device_ts: datetime | None  # the device's own time, when it was out of range
    source_key: str  # names the event as the device sent it (stable across redelivery)
    warning: AlertDraft | None  # the device's clock_skew warning, once per episode


def source_key(gate_id: str, event: GateEvent) -> str:
    return f"{gate_id}|{event.seq}|{format_ts(event.ts)}"


class ClockCheck:
    """Thread-safe; remembers which gates are currently out of range."""

    def __init__(self, skew_s: float) -> None:
        self.skew = timedelta(seconds=skew_s)
        self._skewed: set[str] = set()
        self._lock = threading.Lock()

    def check(self, gate_id: str, event: GateEvent, received: datetime) -> CheckedEvent:
        key = source_key(gate_id, event)
        offset = event.ts - received
        if abs(offset) <= self.skew:
            with self._lock:
                self._skewed.discard(gate_id)
            return CheckedEvent(event, None, key, None)
        with self._lock:
            first = gate_id not in self._skewed
            self._skewed.add(gate_id)
        warning = None
        if first:
            warning = AlertDraft(
                kind=AlertKind.clock_skew,
                severity=Severity.low,
                source_kind=SourceKind.gate,
                source_id=gate_id,
                details={
                    "device_ts": format_ts(event.ts),
                    "box_ts": format_ts(received),
                    "skew_s": round(offset.total_seconds(), 1),
                },
                source_key=key,
            )
        fixed = event.model_copy(update={"ts": received})
        return CheckedEvent(fixed, event.ts, key, warning)
