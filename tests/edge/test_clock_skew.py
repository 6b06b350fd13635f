"""Device clocks do not steer the box: a gate event stamped far from the box's clock is processed
with the box's receive time (the device's kept as ``device_ts``), one ``clock_skew`` warning per
episode, and alert ids (so every list's order) follow the box's clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from anju_contracts import utcnow
from anju_contracts.common import format_ts
from anju_edge.delivery.enrol import write_token
from anju_edge.service import EdgeService
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until

TOPIC = "anju/c1/gate/g1/event"


@pytest.fixture
def publisher(broker) -> Iterator[mqtt.Client]:  # type: ignore[no-untyped-def]
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="skew-publisher")
    client.max_inflight_messages_set(100)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    yield client
    client.disconnect()
    client.loop_stop()


@pytest.fixture
def edge(tmp_path: Path, broker, gateway: GatewayServer) -> Iterator[EdgeService]:  # type: ignore[no-untyped-def]
    cfg = edge_config(tmp_path / "edge", broker.port, gateway.url, gate_rules={"cooldown_s": 0})
    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
    write_token(cfg.token_path(), token)
    service = start_edge(cfg)
    yield service
    service.stop()


def publish(client: mqtt.Client, seq: int, ts: str, kind: str = "door_forced") -> None:
    body = {"v": 1, "seq": seq, "ts": ts, "type": kind}
    client.publish(TOPIC, json.dumps(body), qos=1).wait_for_publish(10)


def stored(gateway: GatewayServer) -> list[dict[str, Any]]:
    rows = (
        gateway.db.conn()
        .execute("SELECT id, kind, ts, details_json FROM alerts ORDER BY id")
        .fetchall()
    )
    return [{"id": r[0], "kind": r[1], "ts": r[2], "details": json.loads(r[3])} for r in rows]


def door_forced(gateway: GatewayServer) -> list[dict[str, Any]]:
    return [a for a in stored(gateway) if a["kind"] == "door_forced"]


def test_gate_clocks_at_1970_and_2099_still_raise_in_box_order(
    publisher: mqtt.Client, edge: EdgeService, gateway: GatewayServer
) -> None:
    before = utcnow()
    publish(publisher, 1, "1969-12-31T23:59:59.000Z")  # a controller reset to the epoch, UTC-1
    publish(publisher, 2, "2099-06-01T00:00:00.000Z")
    publish(publisher, 3, format_ts(utcnow()))  # the clock is right again
    publish(publisher, 4, "1970-01-01T00:00:00.000Z")  # and wrong again: a second episode
    wait_until(lambda: len(door_forced(gateway)) == 4, timeout=20, message="4 door_forced")
    alerts = door_forced(gateway)
    # Ordered by id is ordered by the box's clock, which is the order of arrival.
    assert [a["details"]["seq"] for a in alerts] == [1, 2, 3, 4]
    assert [a["details"].get("device_ts") for a in alerts] == [
        "1969-12-31T23:59:59.000Z",
        "2099-06-01T00:00:00.000Z",
        None,
        "1970-01-01T00:00:00.000Z",
    ]
    for a in alerts:
        assert a["ts"] >= format_ts(before), a  # the box's time, not the device's
    wait_until(
        lambda: len([a for a in stored(gateway) if a["kind"] == "clock_skew"]) == 2,
        timeout=10,
        message="one clock_skew per episode",
    )
    skews = [a for a in stored(gateway) if a["kind"] == "clock_skew"]
    assert skews[0]["details"]["device_ts"] == "1969-12-31T23:59:59.000Z"
    assert skews[0]["details"]["skew_s"] < -1.7e9
    assert skews[0]["details"]["box_ts"] >= format_ts(before)
    assert skews[1]["details"]["device_ts"] == "1970-01-01T00:00:00.000Z"
    # The gateway commits before the box hears its receipt and empties its outbox.
    wait_until(lambda: edge.outbox.depth() == 0, timeout=10, message="the outbox drained")


def test_200_events_from_2099_do_not_push_a_fresh_alert_off_the_first_page(
    publisher: mqtt.Client, edge: EdgeService, gateway: GatewayServer
) -> None:
    for seq in range(1, 201):
        publisher.publish(
            TOPIC,
            json.dumps(
                {
                    "v": 1,
                    "seq": seq,
                    "ts": f"2099-01-01T00:00:{seq % 60:02d}.000Z",
                    "type": "tamper",
                }
            ),
            qos=1,
        )
    wait_until(
        lambda: len([a for a in stored(gateway) if a["kind"] == "tamper"]) == 200,
        timeout=30,
        message="200 tamper alerts",
    )
    publish(publisher, 201, format_ts(utcnow()))
    wait_until(lambda: len(door_forced(gateway)) == 1, timeout=10, message="the fresh alert")
    gateway.add_user("off1", "officer", precinct_id="p1")
    officer = gateway.login("off1")
    first_page = officer.get("/api/v1/alerts").json()["alerts"]
    assert first_page[0]["kind"] == "door_forced", [a["kind"] for a in first_page[:3]]
    assert first_page[0]["details"]["seq"] == 201


def test_a_redelivered_event_raises_no_second_alert(
    publisher: mqtt.Client, edge: EdgeService, gateway: GatewayServer
) -> None:
    # Redelivery after a crash, as the broker would do it: the same event again. The source key
    # is committed with the alert, so the second copy finds it, whatever the ids are.
    for ts in ("2099-06-01T00:00:00.000Z", format_ts(utcnow())):
        body = json.dumps({"v": 1, "seq": 7, "ts": ts, "type": "door_forced"}).encode()
        edge.router.handle(TOPIC, body)
        edge.router.handle(TOPIC, body)
    wait_until(lambda: len(door_forced(gateway)) == 2, timeout=10, message="two alerts")
    publish(publisher, 8, format_ts(utcnow()))
    wait_until(lambda: len(door_forced(gateway)) == 3, timeout=10, message="a later alert")
    assert [a["details"]["seq"] for a in door_forced(gateway)] == [7, 7, 8]
