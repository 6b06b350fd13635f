"""Turning rule findings into alerts: cooldown, id, durable commit, local publication."""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ulid import ULID

from anju_contracts import Alert, AlertKind, DetectedObject, Severity, SourceKind, utcnow
from anju_contracts.alert import DetailValue
from anju_edge.delivery.outbox import Outbox
from anju_edge.metrics import ALERTS_RAISED, ALERTS_SUPPRESSED

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """What a rule found; the sink decides whether it becomes an alert."""

    kind: AlertKind
    severity: Severity
    source_kind: SourceKind
    source_id: str
    dedup_key: str = ""
    cooldown_s: float = 0.0
    zone: str | None = None
    objects: tuple[DetectedObject, ...] = ()
    details: dict[str, DetailValue] = field(default_factory=dict)
    snapshot_jpeg: bytes | None = None
    # Makes the alert id a function of its source event (e.g. gate, seq, time), so an event
    # delivered twice (a crash before the broker got our ack) yields the same id: the outbox
    # and the gateway then keep it once.
    id_seed: str | None = None
    seed_time: datetime | None = None


def alert_id(compound_id: str, draft: AlertDraft) -> str:
    if draft.id_seed is None:
        return str(ULID())
    when = draft.seed_time or utcnow()
    millis = int(when.timestamp() * 1000).to_bytes(6, "big")
    digest = hashlib.sha256(f"{compound_id}|{draft.kind.value}|{draft.id_seed}".encode()).digest()
    return str(ULID.from_bytes(millis + digest[:10]))


class AlertSink:
    """The one way an alert is raised on the edge. Thread-safe."""

    def __init__(
        self,
        compound_id: str,
        outbox: Outbox,
        on_raised: Callable[[Alert], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.compound_id = compound_id
        self.outbox = outbox
        self._listeners: list[Callable[[Alert], None]] = [on_raised] if on_raised else []
        self._clock = clock
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def add_listener(self, listener: Callable[[Alert], None]) -> None:
        self._listeners.append(listener)

    def cooling(self, kind: AlertKind, source_id: str, dedup_key: str, cooldown_s: float) -> bool:
        """True when an alert with this key would be suppressed now (saves building a
        thumbnail that would be thrown away)."""
        last = self._last.get(f"{kind.value}|{source_id}|{dedup_key}")
        return last is not None and self._clock() - last < cooldown_s

    def raise_alert(self, draft: AlertDraft) -> Alert | None:
        key = f"{draft.kind.value}|{draft.source_id}|{draft.dedup_key}"
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < draft.cooldown_s:
                ALERTS_SUPPRESSED.labels(kind=draft.kind.value).inc()
                return None
            self._last[key] = now
        alert = Alert(
            id=alert_id(self.compound_id, draft),
            compound_id=self.compound_id,
            source_kind=draft.source_kind,
            source_id=draft.source_id,
            kind=draft.kind,
            severity=draft.severity,
            ts=utcnow(),
            zone=draft.zone,
            objects=list(draft.objects),
            details=draft.details,
            snapshot_jpeg_b64=(
                base64.b64encode(draft.snapshot_jpeg).decode("ascii")
                if draft.snapshot_jpeg is not None
                else None
            ),
        )
        try:
            self.outbox.put(alert)
        except Exception:
            # Not committed, so not raised: let the next occurrence try again at once.
            with self._lock:
                if self._last.get(key) == now:
                    del self._last[key]
            raise
        ALERTS_RAISED.labels(kind=alert.kind.value).inc()
        logger.info(
            "alert %s %s %s at %s",
            alert.id,
            alert.kind.value,
            alert.severity.value,
            alert.source_id,
        )
        for listener in self._listeners:
            try:
                listener(alert)
            except Exception:
                logger.exception("alert listener failed")
        return alert
