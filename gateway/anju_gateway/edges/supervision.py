"""Edge supervision: a box silent past its window (3 missed 30 s beats, like the 90 s polling
of the strictest alarm-transmission class) becomes an `edge_offline` alert; the alert is
cleared (audited) when beats return."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ulid import ULID

from anju_contracts import Heartbeat, format_ts
from anju_gateway.alerts.sla import assign_deadlines
from anju_gateway.events import Event, EventHub
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.alerts import NewAlert, insert_alerts
from anju_gateway.store.edges import Edge
from anju_gateway.store.heartbeats import mark_offline, record, silent_since
from anju_gateway.store.lifecycle import add_event

logger = logging.getLogger(__name__)


def receive_heartbeat(
    db: Database, hub: EventHub, edge: Edge, beat: Heartbeat, now: datetime
) -> None:
    stamp = format_ts(now)
    with db.write() as conn:
        came_back = record(
            conn,
            edge_id=edge.id,
            compound_id=edge.compound_id,
            received_at=stamp,
            heartbeat_json=beat.model_dump_json(),
        )
        if came_back:
            add_event(
                conn,
                alert_id=came_back,
                at=stamp,
                actor="system",
                action="cleared",
                from_state=None,
                to_state=None,
                note="心跳恢复 heartbeats returned",
            )
            conn.execute(
                "UPDATE alerts SET details_json = json_set(details_json, '$.cleared_at', ?) "
                "WHERE id = ?",
                (stamp, came_back),
            )
    if came_back is not None:
        logger.info("edge %s is back online", edge.id)
        hub.publish(
            Event(
                "edge.status", edge.compound_id, {"edge_id": edge.id, "online": True, "at": stamp}
            )
        )
        if came_back:
            hub.publish(
                Event("alert.updated", edge.compound_id, {"id": came_back, "cleared_at": stamp})
            )


def check_edges(db: Database, hub: EventHub, settings: GatewaySettings, now: datetime) -> list[str]:
    """Raise one edge_offline alert per box that fell silent; returns the alert ids."""
    cutoff = format_ts(now - timedelta(seconds=settings.edge_offline_after_s))
    stamp = format_ts(now)
    raised: list[tuple[str, str, str]] = []
    with db.write() as conn:
        for edge_id, compound_id, last in silent_since(conn, cutoff):
            alert_id = str(ULID.from_datetime(now))
            silent_s = (now - datetime.fromisoformat(last.replace("Z", "+00:00"))).total_seconds()
            insert_alerts(
                conn,
                [
                    NewAlert(
                        id=alert_id,
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
                ],
                received_at=stamp,
            )
            assign_deadlines(conn, [alert_id], settings)
            mark_offline(conn, edge_id=edge_id, alert_id=alert_id)
            raised.append((alert_id, compound_id, edge_id))
    for alert_id, compound_id, edge_id in raised:
        logger.warning("edge %s silent since before %s: alert %s", edge_id, cutoff, alert_id)
        hub.publish(
            Event(
                "alert.new",
                compound_id,
                {
                    "id": alert_id,
                    "kind": "edge_offline",
                    "severity": "high",
                    "ts": stamp,
                    "source_id": edge_id,
                    "zone": None,
                },
            )
        )
        hub.publish(
            Event("edge.status", compound_id, {"edge_id": edge_id, "online": False, "at": stamp})
        )
    return [a for a, _, _ in raised]


__all__ = ["check_edges", "receive_heartbeat"]
