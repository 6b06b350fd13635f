"""Device supervision survives an edge restart (one device_offline per outage, however often
the edge restarts), and a gate that sends events but never said `online` is reported once as
never_seen, not as offline."""

from __future__ import annotations

import json
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from anju_contracts import DeviceState, utcnow
from anju_contracts.common import format_ts
from anju_edge.config import EdgeConfig
from anju_edge.delivery.enrol import write_token
from anju_edge.service import EdgeService
from anju_gateway.edges.enrolment import enrol
from anju_sim.devices import SimGate
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until

GRACE = {"offline_grace_s": 0.5, "cooldown_s": 0}


def config(tmp_path: Path, broker_port: int, gateway: GatewayServer) -> EdgeConfig:
    cfg = edge_config(tmp_path / "edge", broker_port, gateway.url, gate_rules=GRACE)
    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
    write_token(cfg.token_path(), token)
    return cfg


def kinds(gateway: GatewayServer, kind: str) -> list[str]:
    rows = gateway.db.conn().execute("SELECT source_id FROM alerts WHERE kind = ?", (kind,))
    return [r[0] for r in rows.fetchall()]


def occurrences(gateway: GatewayServer, kind: str) -> list[int]:
    """Each stored alert's count of outages (the gateway merges a repeat into the open one)."""
    rows = gateway.db.conn().execute("SELECT occurrences FROM alerts WHERE kind = ?", (kind,))
    return [r[0] for r in rows.fetchall()]


def g1_state(service: EdgeService) -> DeviceState:
    return next(h.state for h in service.devices.health() if h.id == "g1")


def test_an_outage_that_continues_across_an_edge_restart_is_reported_once(
    tmp_path: Path, broker, gateway: GatewayServer
) -> None:  # type: ignore[no-untyped-def]
    cfg = config(tmp_path, broker.port, gateway)
    service = start_edge(cfg)
    sim = SimGate("127.0.0.1", broker.port, "c1", "g1")
    try:
        sim.start()
        sim.crash()  # the broker publishes its last will: offline (retained)
        wait_until(lambda: kinds(gateway, "device_offline") == ["g1"], timeout=20)
        service.stop()
        for _ in range(2):  # restarted twice while the gate stays down
            service = start_edge(cfg)
            wait_until(
                lambda: g1_state(service) is DeviceState.offline,  # noqa: B023 - waited for here
                timeout=10,
                message="the retained offline status",
            )
            time.sleep(1.5)  # three times the grace, and a supervision round
            assert service.outbox.depth() == 0
            service.stop()
        assert kinds(gateway, "device_offline") == ["g1"]
        assert occurrences(gateway, "device_offline") == [1]
        # Supervision still works after the restore: back, then down again, is a new outage
        # (the box raises it; the gateway counts it on the alert still open: 2 次).
        service = start_edge(cfg)
        sim = SimGate("127.0.0.1", broker.port, "c1", "g1")
        sim.start()
        wait_until(
            lambda: any(
                h.id == "g1" and h.state is DeviceState.online for h in service.devices.health()
            ),
            timeout=10,
            message="g1 online again",
        )
        sim.crash()
        wait_until(lambda: occurrences(gateway, "device_offline") == [2], timeout=20)
        assert kinds(gateway, "device_offline") == ["g1"]
    finally:
        service.stop()


def test_a_gate_that_never_said_online_is_reported_never_seen_once(
    tmp_path: Path, broker, gateway: GatewayServer
) -> None:  # type: ignore[no-untyped-def]
    cfg = config(tmp_path, broker.port, gateway)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="mute-gate")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    seq = 0

    def event() -> None:
        nonlocal seq
        seq += 1
        body = {"v": 1, "seq": seq, "ts": format_ts(utcnow()), "type": "door_forced"}
        client.publish("anju/c1/gate/g1/event", json.dumps(body), qos=1).wait_for_publish(5)

    service = start_edge(cfg)
    try:
        event()
        wait_until(lambda: kinds(gateway, "never_seen") == ["g1"], timeout=20)
        for _ in range(3):
            event()
            time.sleep(0.5)
        service.stop()
        service = start_edge(cfg)
        event()
        time.sleep(2.0)
        wait_until(lambda: len(kinds(gateway, "door_forced")) == 5, timeout=10)
        assert kinds(gateway, "never_seen") == ["g1"]
        assert kinds(gateway, "device_offline") == []  # it is plainly alive
    finally:
        service.stop()
        client.disconnect()
        client.loop_stop()
