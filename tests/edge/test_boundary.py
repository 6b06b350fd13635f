"""Bad MQTT input is refused at the edge's boundary, counted by reason, logged rate-limited,
and never stops the subscriber: a good event after all of it still raises its alert."""

from __future__ import annotations

import json
import logging

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import REGISTRY

from tests.support.servers import wait_until

GOOD = {"v": 1, "seq": 1, "ts": "2026-11-23T03:00:00.000Z", "type": "door_forced"}


def rejected(reason: str) -> float:
    value = REGISTRY.get_sample_value("anju_edge_rejected_messages_total", {"reason": reason})
    return value or 0.0


@pytest.fixture
def publisher(broker):  # type: ignore[no-untyped-def]
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-publisher")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    yield client
    client.disconnect()
    client.loop_stop()


BAD = [
    ("anju/c1/gate/g1/event", b"not json", "not_json"),
    ("anju/c1/gate/g1/event", json.dumps({**GOOD, "seq": "x"}).encode(), "schema"),
    ("anju/c1/gate/g1/event", json.dumps({**GOOD, "type": "alien"}).encode(), "unknown_type"),
    ("anju/c1/gate/g1/event", json.dumps({**GOOD, "pad": "x" * 20_000}).encode(), "too_large"),
    ("anju/c1/gate/g1/event/extra", b"{}", None),  # not subscribed: never reaches the edge
    ("anju/c1/gate/nobody/event", json.dumps(GOOD).encode(), "unknown_device"),
    ("anju/c1/gate/g1/status", b"sleeping", "schema"),
    ("anju/c1/camera/nocam/snapshot", b"\xff\xd8", "unknown_device"),
]


@pytest.mark.parametrize("topic,payload,reason", BAD, ids=[b[2] or "unsubscribed" for b in BAD])
def test_bad_message_is_counted_and_subscriber_survives(
    topic, payload, reason, publisher, edge, gateway
):  # type: ignore[no-untyped-def]
    before = rejected(reason) if reason else 0.0
    publisher.publish(topic, payload, qos=1).wait_for_publish(5)
    if reason:
        wait_until(lambda: rejected(reason) >= before + 1, timeout=20, message=f"{reason} counted")
    # The subscriber is still alive: a good event still becomes an alert.
    publisher.publish("anju/c1/gate/g1/event", json.dumps(GOOD), qos=1).wait_for_publish(5)
    wait_until(
        lambda: edge.outbox.depth() == 0 and _alerts(gateway) >= 1,
        timeout=10,
        message="the good event's alert at the gateway",
    )


def _alerts(gateway) -> int:  # type: ignore[no-untyped-def]
    return int(gateway.db.conn().execute("SELECT COUNT(*) FROM alerts").fetchone()[0])


def test_rejects_are_logged_at_most_once_per_interval(publisher, edge, caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="anju_edge.ingest")
    before = rejected("not_json")
    infos = [publisher.publish("anju/c1/gate/g1/event", b"garbage", qos=1) for _ in range(20)]
    for info in infos:
        info.wait_for_publish(10)
    wait_until(lambda: rejected("not_json") >= before + 20, timeout=20, message="20 rejects")
    lines = [r for r in caplog.records if "not_json" in r.getMessage()]
    assert len(lines) <= 1, [r.getMessage() for r in lines]


def test_foreign_compound_topic_is_refused(publisher, edge):  # type: ignore[no-untyped-def]
    # The edge subscribes to its own compound only, so a foreign message reaches it only
    # through a misconfigured bridge; the router refuses it directly.
    before = rejected("bad_topic")
    edge.router.handle("anju/c2/gate/g1/event", json.dumps(GOOD).encode())
    assert rejected("bad_topic") == before + 1
