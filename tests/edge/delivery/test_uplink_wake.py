"""After a gateway outage the uplink does not sit out its backoff: the first delivered heartbeat
(or sync answer) kicks it, so queued alerts arrive within about a heartbeat of the gateway's
return, not after a backoff that may have grown to minutes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from anju_contracts import utcnow
from anju_contracts.common import format_ts
from anju_edge.delivery.enrol import write_token
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until


def alerts(gw: GatewayServer) -> int:
    return int(gw.db.conn().execute("SELECT COUNT(*) FROM alerts").fetchone()[0])


def test_a_delivered_heartbeat_wakes_the_uplink_out_of_its_backoff(
    tmp_path: Path, broker, gateway: GatewayServer
) -> None:  # type: ignore[no-untyped-def]
    cfg = edge_config(
        tmp_path / "edge",
        broker.port,
        gateway.url,
        # The uplink's first retry waits 30-60 s: longer than the test lets it.
        gateway={
            "url": gateway.url,
            "heartbeat_s": 1,
            "backoff_initial_s": 60,
            "backoff_max_s": 600,
        },
    )
    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
    write_token(cfg.token_path(), token)
    service = start_edge(cfg)
    back = None
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="wake-publisher")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        gateway.stop()
        body = {"v": 1, "seq": 1, "ts": format_ts(utcnow()), "type": "door_forced"}
        client.publish("anju/c1/gate/g1/event", json.dumps(body), qos=1).wait_for_publish(5)
        wait_until(
            lambda: service.uplink.backoff.failures >= 1,
            timeout=10,
            message="the uplink failing into its backoff",
        )
        failed = time.monotonic()
        assert service.outbox.depth() == 1
        back = GatewayServer(tmp_path / "gateway", port=gateway.port).start()
        # Left to its backoff the uplink would not try again for 30 s after that failure; the
        # alert arrives before then only because a delivered heartbeat kicked it. (No tighter
        # wall-clock bound: on a loaded machine the gateway's own restart takes seconds.)
        wait_until(lambda: alerts(back) == 1, timeout=28, message="the queued alert")
        assert time.monotonic() - failed < 29.5
        # (The gateway stores the alert before it answers; the uplink resets once answered.)
        wait_until(lambda: service.uplink.backoff.failures == 0, message="the backoff reset")
    finally:
        client.disconnect()
        client.loop_stop()
        service.stop()
        if back is not None:
            back.stop()
