"""Edge supervision: a box silent past its window (3 missed 30 s beats, like the 90 s polling
of the strictest alarm-transmission class), or enrolled and never heard from for as long,
becomes an `edge_offline` alert within the window, sweep included; the alert is cleared
(audited) when beats return."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ulid import ULID

from anju_contracts import AlertCleared, AlertUpdated, EdgeStatus, Heartbeat, format_ts
from anju_gateway.alerts.admission import admit
from anju_gateway.alerts.feed import publish, summary
from anju_gateway.alerts.outages import OCCURRENCE, recover_devices, store_alerts
from anju_gateway.edges.data_loss import data_loss_alert, losses
from anju_gateway.events import EventHub
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.alerts import NewAlert, get_alert, insert_alerts, mark_cleared
from anju_gateway.store.edges import Edge
from anju_gateway.store.events import add_event, system_event
from anju_gateway.store.heartbeats import (
    Silent,
    last_heartbeat,
    mark_offline,
    record,
    silent_since,
)
from anju_gateway.store.names import name_alerts, record_names

logger = logging.getLogger(__name__)


def receive_heartbeat(
    db: Database,
    hub: EventHub,
    edge: Edge,
    beat: Heartbeat,
    now: datetime,
    settings: GatewaySettings,
) -> list[str]:
    """Store a beat; clear the box's offline alert if it was offline; raise `data_loss` for
    every loss counter that grew. Returns the ids of the data_loss alerts raised."""
    stamp = format_ts(now)
    with db.write() as conn:
        lost = [
            data_loss_alert(edge.id, edge.compound_id, loss, now)
            for loss in losses(last_heartbeat(conn, edge_id=edge.id), beat)
        ]
        if lost:
            insert_alerts(conn, lost, received_at=stamp)
            admit(conn, [a.id for a in lost], settings)
        came_back = record(
            conn,
            edge_id=edge.id,
            compound_id=edge.compound_id,
            received_at=stamp,
            heartbeat_json=beat.model_dump_json(),
        )
        record_names(conn, beat=beat, now=stamp)
        recovered = recover_devices(conn, compound_id=edge.compound_id, beat=beat,
                                    received_at=stamp, settings=settings)  # fmt: skip
        lost = name_alerts(conn, lost)
        if came_back:
            note = "心跳恢复 heartbeats returned"
            add_event(
                conn, alert_id=came_back, event=system_event(at=stamp, action="cleared", note=note)
            )
            mark_cleared(conn, alert_id=came_back, at=stamp)
    if came_back is not None:
        logger.info("edge %s is back online", edge.id)
        publish(
            hub, EdgeStatus(compound_id=edge.compound_id, edge_id=edge.id, online=True, at=stamp)
        )
        if came_back:
            publish(hub, AlertCleared(compound_id=edge.compound_id, id=came_back, cleared_at=stamp))
    for outage in recovered:
        logger.info("edge %s: %s %s is back online", edge.id, outage.source_kind, outage.source_id)
        publish(hub, AlertCleared(compound_id=edge.compound_id, id=outage.id, cleared_at=stamp))
    for alert in lost:
        logger.warning("edge %s lost data: %s", edge.id, alert.details)
        publish(hub, summary(alert).model_copy(update={"source_id": edge.id}))
    return [a.id for a in lost]


def offline_alert(silent: Silent, now: datetime) -> NewAlert:
    """The edge_offline alert of a box silent since its last beat (or enrolment)."""
    stamp = format_ts(now)
    since = datetime.fromisoformat(silent.since.replace("Z", "+00:00"))
    details: dict[str, object] = {
        "last_heartbeat": silent.last_beat,
        "silent_s": round((now - since).total_seconds()),
    }
    if silent.last_beat is None:
        details["enrolled_at"] = silent.since  # enrolled, never beat
    return NewAlert(
        id=str(ULID.from_datetime(now)),
        compound_id=silent.compound_id,
        edge_id=silent.edge_id,
        source_kind="edge",
        source_id=silent.edge_id[:63],
        kind="edge_offline",
        severity="high",
        ts=stamp,
        zone=None,
        objects=[],
        details=details,
        snapshot=None,
    )


def offline_threshold_s(settings: GatewaySettings) -> float:
    """Silence after which a sweep raises edge_offline: the window less one sweep interval and
    a slack for the sweep's own run, so a box is alerted within the window, sweep included."""
    return settings.edge_offline_after_s - settings.edge_sweep_s - settings.edge_sweep_slack_s


def check_edges(
    db: Database,
    hub: EventHub,
    settings: GatewaySettings,
    now: datetime,
    watching_since: datetime | None = None,
) -> list[str]:
    """Raise one edge_offline alert per box that fell silent, or that enrolled and never beat
    (an occurrence of its last one if that is still open); returns the alert ids.

    ``watching_since`` is when this gateway process started sweeping: silence while the gateway
    itself was down or starting is not the box's, so nothing is judged before the threshold has
    passed since then (boxes beat every 30 s; a restart raises no alert for boxes that are up).
    """
    threshold = timedelta(seconds=offline_threshold_s(settings))
    if watching_since is not None and now - watching_since < threshold:
        return []
    cutoff = format_ts(now - threshold)
    stamp = format_ts(now)
    raised: list[NewAlert] = []
    repeated: list[tuple[NewAlert, AlertUpdated]] = []
    with db.write() as conn:
        for silent in silent_since(conn, cutoff=cutoff):
            alert = offline_alert(silent, now)
            intake = store_alerts(conn, [alert], received_at=stamp, settings=settings)
            merged = intake.merged.get(alert.id)  # its last outage's alert is still open
            alert_id = merged.alert_id if merged else alert.id
            mark_offline(conn, edge_id=silent.edge_id, compound_id=silent.compound_id,
                         alert_id=alert_id)  # fmt: skip
            if merged is None:
                raised.append(alert)
                continue
            current = get_alert(conn, alert_id=alert_id)
            repeated.append((alert, AlertUpdated(
                compound_id=alert.compound_id, id=alert_id,
                state=current.state if current else "new", action=OCCURRENCE, actor="system",
                at=stamp)))  # fmt: skip
        raised = name_alerts(conn, raised)
    for alert, update in repeated:
        edge_id = alert.edge_id or ""
        logger.warning("edge %s silent again: alert %s (%s)", edge_id, update.id, OCCURRENCE)
        publish(hub, update)
        publish(
            hub, EdgeStatus(compound_id=alert.compound_id, edge_id=edge_id, online=False, at=stamp)
        )
    for alert in raised:
        edge_id = alert.edge_id or ""
        logger.warning("edge %s silent since before %s: alert %s", edge_id, cutoff, alert.id)
        # The feed names the whole edge id (the stored source_id is cut to an identifier).
        publish(hub, summary(alert).model_copy(update={"source_id": edge_id}))
        publish(
            hub, EdgeStatus(compound_id=alert.compound_id, edge_id=edge_id, online=False, at=stamp)
        )
    return [a.id for a in raised] + [update.id for _, update in repeated]


__all__ = ["check_edges", "receive_heartbeat"]
