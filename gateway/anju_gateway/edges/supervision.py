"""Edge supervision: a box silent past its window (3 missed 30 s beats, like the 90 s polling
of the strictest alarm-transmission class) becomes an `edge_offline` alert; the alert is
cleared (audited) when beats return."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ulid import ULID

from anju_contracts import AlertCleared, EdgeStatus, Heartbeat, format_ts
from anju_gateway.alerts.feed import publish, summary
from anju_gateway.alerts.sla import assign_deadlines
from anju_gateway.edges.data_loss import data_loss_alert, losses
from anju_gateway.events import EventHub
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.alerts import NewAlert, insert_alerts, mark_cleared
from anju_gateway.store.edges import Edge
from anju_gateway.store.events import add_event, system_event
from anju_gateway.store.heartbeats import last_heartbeat, mark_offline, record, silent_since

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
            assign_deadlines(conn, [a.id for a in lost], settings)
        came_back = record(
            conn,
            edge_id=edge.id,
            compound_id=edge.compound_id,
            received_at=stamp,
            heartbeat_json=beat.model_dump_json(),
        )
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
    for alert in lost:
        logger.warning("edge %s lost data: %s", edge.id, alert.details)
        publish(hub, summary(alert).model_copy(update={"source_id": edge.id}))
    return [a.id for a in lost]


def offline_alert(edge_id: str, compound_id: str, last: str, now: datetime) -> NewAlert:
    """The edge_offline alert of a box silent since ``last``."""
    stamp = format_ts(now)
    silent_s = (now - datetime.fromisoformat(last.replace("Z", "+00:00"))).total_seconds()
    return NewAlert(
        id=str(ULID.from_datetime(now)),
        compound_id=compound_id,
        edge_id=edge_id,
        source_kind="edge",
        source_id=edge_id[:63],
        kind="edge_offline",
        severity="high",
        ts=stamp,
        zone=None,
        objects=[],
        details={"last_heartbeat": last, "silent_s": round(silent_s)},
        snapshot=None,
    )


def check_edges(db: Database, hub: EventHub, settings: GatewaySettings, now: datetime) -> list[str]:
    """Raise one edge_offline alert per box that fell silent; returns the alert ids."""
    cutoff = format_ts(now - timedelta(seconds=settings.edge_offline_after_s))
    stamp = format_ts(now)
    raised: list[NewAlert] = []
    with db.write() as conn:
        for edge_id, compound_id, last in silent_since(conn, cutoff=cutoff):
            alert = offline_alert(edge_id, compound_id, last, now)
            insert_alerts(conn, [alert], received_at=stamp)
            assign_deadlines(conn, [alert.id], settings)
            mark_offline(conn, edge_id=edge_id, alert_id=alert.id)
            raised.append(alert)
    for alert in raised:
        edge_id = alert.edge_id or ""
        logger.warning("edge %s silent since before %s: alert %s", edge_id, cutoff, alert.id)
        # The feed names the whole edge id (the stored source_id is cut to an identifier).
        publish(hub, summary(alert).model_copy(update={"source_id": edge_id}))
        publish(
            hub, EdgeStatus(compound_id=alert.compound_id, edge_id=edge_id, online=False, at=stamp)
        )
    return [a.id for a in raised]


__all__ = ["check_edges", "receive_heartbeat"]
