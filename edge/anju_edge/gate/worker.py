"""The rules worker: gate events off the ingest queue -> clock check -> gate rules -> the alert
sink, and once a second a periodic job on the same thread (device supervision: drafts that fell
due).

A gate event is acknowledged to the broker only after its alerts are committed; then the
listeners (the gate console's log) see it.

A failure never leaves an event unacknowledged for good, and never holds up the events behind
it (the broker sends at most 100 unacknowledged messages, so a few stuck ones would make the
box deaf). A failed event goes into a delay heap and the worker moves on:

- a *transient* failure (the disk is full, the database is locked) is tried again with backoff,
  for as long as it takes: the event is never dropped, and ``anju_edge_storage_failing`` and
  ``anju_edge_gate_events_retrying`` say that events are waiting;
- any other failure is tried ``MAX_ATTEMPTS`` times, then the message is written to the
  outbox's dead-letter table, counted in ``anju_edge_dead_letters_total{reason}`` and the
  heartbeat's ``dead_letters_total``, and acknowledged.
"""

from __future__ import annotations

import dataclasses
import errno
import heapq
import itertools
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from anju_common.ratelog import RateLimitedLog
from anju_common.worker import Backoff
from anju_contracts import Alert
from anju_edge.alerts import AlertDraft
from anju_edge.gate.clock import CheckedEvent, ClockCheck
from anju_edge.gate.rules import GateRules
from anju_edge.ingest import GateEventIn
from anju_edge.metrics import ALERT_LATENCY, RETRYING, STORAGE_FAILING

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

QUEUE_SIZE = 10_000
PERIOD_S = 1.0
MAX_ATTEMPTS = 3
RETRY_S = 0.05  # first retry of a failed event; doubles per attempt
TRANSIENT_INITIAL_S = 0.5
TRANSIENT_MAX_S = 30.0
DEAD_REASON = "processing_error"

DeadLetter = Callable[[str, bytes, str, str], None]
"""(topic, payload, reason, error): sets a message aside durably; may raise like any write."""


def is_transient(exc: BaseException) -> bool:
    """Failures of the storage that pass by themselves (or by an operator freeing space)."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return any(
            s in text for s in ("disk is full", "is locked", "disk i/o error", "unable to open")
        )
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO)


@dataclass(order=True)
class _Pending:
    due: float
    order: int
    item: GateEventIn = field(compare=False)
    checked: CheckedEvent | None = field(default=None, compare=False)
    attempts: int = field(default=0, compare=False)  # failures that were not transient
    backoff: Backoff | None = field(default=None, compare=False)
    dead_error: str | None = field(default=None, compare=False)  # set aside, not yet written


class GateWorker:
    def __init__(
        self,
        events: queue.Queue[GateEventIn],
        rules: GateRules,
        raise_alert: Callable[[AlertDraft], Alert | None],
        due_drafts: Callable[[float], Iterable[AlertDraft]],
        *,
        clock: ClockCheck,
        dead_letter: DeadLetter,
    ) -> None:
        self.events = events
        self.rules = rules
        self.raise_alert = raise_alert
        self.due_drafts = due_drafts
        self.clock = clock
        self.dead_letter = dead_letter
        self.listeners: list[Callable[[GateEventIn], None]] = []
        # Durable writes of an event besides its alerts (passage records): before the ack,
        # retried like a commit; each must be idempotent per source key and says if it wrote.
        self.before_ack: list[Callable[[str, CheckedEvent], bool]] = []
        self.storage_failing = False  # the last commit failed (disk full or failing)
        self._retries: list[_Pending] = []
        self._order = itertools.count()
        self._drafts: list[AlertDraft] = []  # supervision drafts whose commit failed
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

    @property
    def retrying(self) -> int:
        return len(self._retries)

    def _run(self) -> None:
        next_check = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if self._retries and self._retries[0].due <= now:
                self._attempt(heapq.heappop(self._retries))
            else:
                wait = 0.5 if not self._retries else min(0.5, self._retries[0].due - now)
                try:
                    item = self.events.get(timeout=max(0.0, wait))
                except queue.Empty:
                    item = None
                if item is not None:
                    self._attempt(_Pending(0.0, next(self._order), item))
            now = time.monotonic()
            if now >= next_check:
                next_check = now + PERIOD_S
                self._supervise(now)
            RETRYING.set(len(self._retries))

    def _attempt(self, pending: _Pending) -> None:
        try:
            if pending.dead_error is not None:
                self._set_aside(pending)
            else:
                self.on_gate_event(pending)
        except Exception as exc:
            self._failed(pending, exc)

    def _failed(self, pending: _Pending, exc: Exception) -> None:
        gate = pending.item.gate_id
        if is_transient(exc) or pending.dead_error is not None:
            self.storage_failing = True
            STORAGE_FAILING.set(1)
            if pending.backoff is None:
                pending.backoff = Backoff(TRANSIENT_INITIAL_S, TRANSIENT_MAX_S)
            delay = pending.backoff.next_delay()
            _ratelog.log(
                logging.ERROR,
                "gate-transient",
                "gate event from %s not committed (%s: %s); %d event(s) wait, retry in %.1f s",
                gate,
                type(exc).__name__,
                exc,
                len(self._retries) + 1,
                delay,
            )
            self._schedule(pending, delay)
            return
        pending.attempts += 1
        if pending.attempts < MAX_ATTEMPTS:
            logger.warning(
                "gate event from %s failed (attempt %d of %d): %s: %s",
                gate,
                pending.attempts,
                MAX_ATTEMPTS,
                type(exc).__name__,
                exc,
            )
            self._schedule(pending, RETRY_S * 2 ** (pending.attempts - 1))
            return
        logger.error(
            "gate event from %s failed %d times: set aside (%s: %s)",
            gate,
            MAX_ATTEMPTS,
            type(exc).__name__,
            exc,
            exc_info=exc,
        )
        pending.dead_error = f"{type(exc).__name__}: {exc}"
        try:
            self._set_aside(pending)
        except Exception as write_exc:
            self._failed(pending, write_exc)

    def _set_aside(self, pending: _Pending) -> None:
        item = pending.item
        self.dead_letter(item.topic, item.payload, DEAD_REASON, pending.dead_error or "")
        item.ack()  # written down: now the broker may forget it

    def _schedule(self, pending: _Pending, delay: float) -> None:
        pending.due = time.monotonic() + delay
        heapq.heappush(self._retries, pending)

    def _supervise(self, now: float) -> None:
        try:
            due = list(self.due_drafts(now))
        except Exception:
            logger.exception("device supervision failed")
            due = []
        drafts, self._drafts = [*self._drafts, *due], []
        for draft in drafts:
            try:
                self.raise_alert(draft)
            except Exception as exc:
                if is_transient(exc):
                    self.storage_failing = True
                    STORAGE_FAILING.set(1)
                    self._drafts.append(draft)  # next period
                else:
                    logger.exception("could not raise %s for %s", draft.kind, draft.source_id)

    def on_gate_event(self, pending: _Pending) -> None:
        item = pending.item
        if pending.checked is None:  # once per event: the clock warning is raised once
            pending.checked = self.clock.check(item.gate_id, item.event, item.received)
        checked = pending.checked
        drafts = [checked.warning] if checked.warning is not None else []
        drafts += self.rules.evaluate(
            item.gate_id, checked.event, source_key=checked.source_key, device_ts=checked.device_ts
        )
        for draft in drafts:
            if self.raise_alert(draft) is not None:
                ALERT_LATENCY.observe(time.monotonic() - item.arrived)
        wrote = [record(item.gate_id, checked) for record in self.before_ack]
        if drafts or any(wrote):
            self.storage_failing = False
            STORAGE_FAILING.set(0)
        # Committed (or nothing to raise): now the broker may forget the event. If raising
        # failed, the exception skips this and the event is tried again (see _failed).
        item.ack()
        seen = dataclasses.replace(item, event=checked.event)
        for listener in self.listeners:
            try:
                listener(seen)
            except Exception:
                logger.exception("gate event listener failed")
