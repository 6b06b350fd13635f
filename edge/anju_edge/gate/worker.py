"""The rules worker: gate events off the ingest queue -> gate rules -> the alert sink, and once
a second a periodic job on the same thread (device supervision: drafts that fell due).

A gate event is acknowledged to the broker only after its alerts are committed; then the
listeners (the gate console's log) see it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable

from anju_contracts import Alert
from anju_edge.alerts import AlertDraft
from anju_edge.gate.rules import GateRules
from anju_edge.ingest import GateEventIn
from anju_edge.metrics import ALERT_LATENCY

logger = logging.getLogger(__name__)

QUEUE_SIZE = 10_000
PERIOD_S = 1.0


class GateWorker:
    def __init__(
        self,
        events: queue.Queue[GateEventIn],
        rules: GateRules,
        raise_alert: Callable[[AlertDraft], Alert | None],
        due_drafts: Callable[[float], Iterable[AlertDraft]],
    ) -> None:
        self.events = events
        self.rules = rules
        self.raise_alert = raise_alert
        self.due_drafts = due_drafts
        self.listeners: list[Callable[[GateEventIn], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rules", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def _run(self) -> None:
        next_check = 0.0
        while not self._stop.is_set():
            try:
                item = self.events.get(timeout=0.5)
            except queue.Empty:
                item = None
            try:
                if item is not None:
                    self.on_gate_event(item)
                now = time.monotonic()
                if now >= next_check:
                    next_check = now + PERIOD_S
                    for draft in self.due_drafts(now):
                        self.raise_alert(draft)
            except Exception:
                logger.exception("rules worker failed on an item")

    def on_gate_event(self, item: GateEventIn) -> None:
        for draft in self.rules.evaluate(item.gate_id, item.event):
            if self.raise_alert(draft) is not None:
                ALERT_LATENCY.observe(time.monotonic() - item.arrived)
        # Committed (or nothing to raise): now the broker may forget the event. If raising
        # failed, the exception skips this and the broker delivers the event again.
        item.ack()
        for listener in self.listeners:
            try:
                listener(item)
            except Exception:
                logger.exception("gate event listener failed")
