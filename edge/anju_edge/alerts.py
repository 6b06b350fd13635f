"""Turning rule findings into alerts: cooldown, id, durable commit, local publication."""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

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
    # Names the device event the alert comes from (gate, seq, the device's own time), so an
    # event delivered twice (a crash before the broker got our ack) raises one alert: the
    # outbox keeps the key with the alert, in the same transaction.
    source_key: str | None = None


def alert_id() -> str:
    """A ULID of the box's clock: ids sort in the order the box raised them, whatever a
    device's clock says."""
    return str(ULID())


class AlertSink:
    """The one way an alert is raised on the edge. Thread-safe."""

    def __init__(
        self,
        compound_id: str,
        outbox: Outbox,
        on_raised: Callable[[Alert], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        gb_codes: Mapping[str, str] | None = None,
    ) -> None:
        self.compound_id = compound_id
        # Each device's 20-digit GB/T 28181 code from the config, carried with its alerts as
        # details["gb_code"] (the gateway's GA/T 1400 uploads name the device by it).
        self._gb_codes = dict(gb_codes or {})
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

    def _details(self, draft: AlertDraft) -> dict[str, DetailValue]:
        code = self._gb_codes.get(f"{draft.source_kind.value}:{draft.source_id}")
        return draft.details if code is None else {**draft.details, "gb_code": code}

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
            id=alert_id(),
            compound_id=self.compound_id,
            source_kind=draft.source_kind,
            source_id=draft.source_id,
            kind=draft.kind,
            severity=draft.severity,
            ts=utcnow(),
            zone=draft.zone,
            objects=list(draft.objects),
            details=self._details(draft),
            snapshot_jpeg_b64=(
                base64.b64encode(draft.snapshot_jpeg).decode("ascii")
                if draft.snapshot_jpeg is not None
                else None
            ),
        )
        try:
            if draft.source_key is None:
                self.outbox.put(alert)
                earlier = None
            else:
                earlier = self.outbox.put_once(alert, f"{draft.kind.value}|{draft.source_key}")
        except Exception:
            # Not committed, so not raised: let the next occurrence try again at once.
            with self._lock:
                if self._last.get(key) == now:
                    del self._last[key]
            raise
        if earlier is not None:
            logger.info("event %s already raised alert %s: not again", draft.source_key, earlier)
            return None
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
