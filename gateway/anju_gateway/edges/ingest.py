"""Alert ingest from edges: validate, store once, acknowledge each id, fan out to consoles."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import datetime

from anju_common.ratelog import RateLimitedLog
from anju_contracts import (
    Alert,
    AlertBatch,
    AlertBatchResult,
    AlertReceipt,
    AlertUpdated,
    ReceiptStatus,
    format_ts,
)
from anju_gateway.alerts.admission import plan
from anju_gateway.alerts.feed import publish, summary
from anju_gateway.alerts.outages import OCCURRENCE, store_alerts
from anju_gateway.events import EventHub
from anju_gateway.metrics import ALERTS_INGESTED, INGEST_BATCH_SECONDS
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.alerts import NewAlert, get_alert, held_by_other_compounds
from anju_gateway.store.edges import Edge, touch_edge
from anju_gateway.store.names import name_alerts

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)


class ForeignCompound(PermissionError):
    pass


class BadSnapshot(ValueError):
    pass


def _snapshot(alert: Alert) -> bytes | None:
    if alert.snapshot_jpeg_b64 is None:
        return None
    try:
        jpeg = base64.b64decode(alert.snapshot_jpeg_b64, validate=True)
    except binascii.Error:
        raise BadSnapshot(f"alert {alert.id}: snapshot is not base64") from None
    if not jpeg.startswith(b"\xff\xd8"):
        raise BadSnapshot(f"alert {alert.id}: snapshot is not a JPEG")
    return jpeg


def to_new_alert(alert: Alert, edge_id: str | None) -> NewAlert:
    return NewAlert(
        id=alert.id,
        compound_id=alert.compound_id,
        edge_id=edge_id,
        source_kind=alert.source_kind.value,
        source_id=alert.source_id,
        kind=alert.kind.value,
        severity=alert.severity.value,
        ts=format_ts(alert.ts),
        zone=alert.zone,
        objects=[o.model_dump(mode="json") for o in alert.objects],
        details=dict(alert.details),
        snapshot=_snapshot(alert),
    )


def ingest_batch(
    db: Database,
    hub: EventHub,
    *,
    edge: Edge,
    batch: AlertBatch,
    now: datetime,
    settings: GatewaySettings,
) -> AlertBatchResult:
    foreign = [a.id for a in batch.alerts if a.compound_id != edge.compound_id]
    if foreign:
        raise ForeignCompound(
            f"this box belongs to compound {edge.compound_id!r}; refused {len(foreign)} alert(s)"
        )
    with INGEST_BATCH_SECONDS.time():
        rows = [to_new_alert(a, edge.id) for a in batch.alerts]
        stamp = format_ts(now)
        planned = plan(db.conn(), rows, received_at=stamp, settings=settings)
        with db.write() as conn:
            intake = store_alerts(conn, rows, received_at=stamp, settings=settings,
                                  planned=planned)  # fmt: skip
            stored, duplicates = intake.stored, intake.duplicates
            taken = (
                held_by_other_compounds(conn, alert_ids=duplicates, compound_id=edge.compound_id)
                if duplicates
                else set()
            )
            touch_edge(conn, edge_id=edge.id, now=stamp)
    ALERTS_INGESTED.labels(outcome="stored").inc(len(stored))
    # A repeat outage of a device whose alert is open: accepted (the box must not resend it),
    # counted on the open alert.
    ALERTS_INGESTED.labels(outcome="merged").inc(len(intake.merged))
    ALERTS_INGESTED.labels(outcome="duplicate").inc(len(duplicates) - len(taken))
    if taken:
        # An id another compound holds: answered as a new one would be, so a box cannot learn
        # which ids exist elsewhere; nothing is stored or changed. A real box never collides
        # (ULIDs: 80 random bits per millisecond), so this is a bug or a probe: counted, logged.
        ALERTS_INGESTED.labels(outcome="id_taken").inc(len(taken))
        _ratelog.warning(
            f"id_taken:{edge.id}",
            "edge %s sent %d alert id(s) another compound holds; answered stored, kept nothing",
            edge.id,
            len(taken),
        )
    fresh = set(stored)
    stored_set = fresh | taken | set(intake.merged)
    if fresh:
        for row in name_alerts(db.conn(), [r for r in rows if r.id in fresh]):
            publish(hub, summary(row))
    for merged in {m.alert_id: m for m in intake.merged.values()}.values():
        current = get_alert(db.conn(), alert_id=merged.alert_id)
        publish(hub, AlertUpdated(
            compound_id=merged.compound_id, id=merged.alert_id,
            state=current.state if current else "new", action=OCCURRENCE,
            actor=f"edge:{edge.id}", at=stamp))  # fmt: skip
    receipts = [
        AlertReceipt(
            id=a.id,
            status=ReceiptStatus.stored if a.id in stored_set else ReceiptStatus.duplicate,
        )
        for a in batch.alerts
    ]
    return AlertBatchResult(receipts=receipts)
