"""The poison path: a gate event whose processing keeps failing is tried MAX_ATTEMPTS times,
then set aside in the dead-letter table, counted and acknowledged; transient failures (a full
disk) are retried with backoff and never dropped; neither holds up the good events behind it,
and the box never goes deaf (the broker sends at most 100 unacknowledged messages)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import REGISTRY

from anju_contracts import Alert, utcnow
from anju_contracts.common import format_ts
from anju_edge.delivery.enrol import write_token
from anju_edge.gate.worker import DEAD_REASON, MAX_ATTEMPTS
from anju_edge.service import EdgeService
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until

TOPIC = "anju/c1/gate/g1/event"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def publisher(broker) -> Iterator[mqtt.Client]:  # type: ignore[no-untyped-def]
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="poison-publisher")
    client.max_inflight_messages_set(200)
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


class Raised:
    """The seqs of the door_forced alerts the edge committed, with when."""

    def __init__(self, edge: EdgeService) -> None:
        self.at: dict[int, float] = {}
        self._lock = threading.Lock()
        edge.sink.add_listener(self._heard)

    def _heard(self, alert: Alert) -> None:
        if alert.kind.value == "door_forced":
            with self._lock:
                self.at[int(alert.details["seq"])] = time.monotonic()


def body(seq: int) -> str:
    return json.dumps({"v": 1, "seq": seq, "ts": format_ts(utcnow()), "type": "door_forced"})


def poison_rules(edge: EdgeService, bad: set[int], exc: Exception) -> list[int]:
    """Make the rules step raise for the events whose seq is in ``bad``; returns the calls."""
    calls: list[int] = []
    real = edge.gate.rules.evaluate

    def evaluate(gate_id: str, event: Any, **kwargs: Any) -> Any:
        calls.append(event.seq)
        if event.seq in bad:
            raise exc
        return real(gate_id, event, **kwargs)

    edge.gate.rules.evaluate = evaluate  # type: ignore[method-assign]
    return calls


def test_a_failing_event_is_set_aside_after_n_attempts_and_good_ones_flow(
    publisher: mqtt.Client, edge: EdgeService, gateway: GatewayServer
) -> None:
    raised = Raised(edge)
    calls = poison_rules(edge, {2}, RuntimeError("rules broke on this one"))
    before = metric("anju_edge_dead_letters_total", reason=DEAD_REASON)
    publisher.publish(TOPIC, body(1), qos=1)
    publisher.publish(TOPIC, body(2), qos=1).wait_for_publish(5)
    sent = time.monotonic()
    publisher.publish(TOPIC, body(3), qos=1).wait_for_publish(5)
    wait_until(lambda: 3 in raised.at, timeout=5, message="the good event after the bad one")
    assert raised.at[3] - sent < 1.0
    wait_until(lambda: edge.outbox.dead_messages(), timeout=5, message="the dead letter")
    [(topic, payload, reason, error)] = edge.outbox.dead_messages()
    assert (topic, reason) == (TOPIC, DEAD_REASON)
    assert json.loads(payload)["seq"] == 2
    assert "RuntimeError: rules broke on this one" in error
    assert calls.count(2) == MAX_ATTEMPTS
    assert metric("anju_edge_dead_letters_total", reason=DEAD_REASON) == before + 1
    assert edge.heartbeat.build().dead_letters_total == 1
    assert edge.gate.retrying == 0
    assert sorted(raised.at) == [1, 3]


def test_130_failures_in_a_row_do_not_make_the_box_deaf(
    publisher: mqtt.Client, edge: EdgeService, gateway: GatewayServer
) -> None:
    # The broker holds back everything past 100 unacknowledged messages: had the failures
    # stayed unacknowledged, event 131 would never arrive.
    raised = Raised(edge)
    poison_rules(edge, set(range(1, 131)), RuntimeError("broken"))
    infos = [publisher.publish(TOPIC, body(seq), qos=1) for seq in range(1, 132)]
    for info in infos:
        info.wait_for_publish(10)
    wait_until(lambda: 131 in raised.at, timeout=15, message="the good event after 130 bad")
    wait_until(
        lambda: len(edge.outbox.dead_messages(200)) == 130, timeout=10, message="130 set aside"
    )
    assert edge.heartbeat.build().dead_letters_total == 130
    sent = time.monotonic()
    publisher.publish(TOPIC, body(132), qos=1).wait_for_publish(5)
    wait_until(lambda: 132 in raised.at, timeout=5, message="a later good event")
    assert raised.at[132] - sent < 1.0


def test_a_full_disk_holds_events_back_and_loses_none(
    publisher: mqtt.Client, edge: EdgeService, gateway: GatewayServer
) -> None:
    raised = Raised(edge)
    full = threading.Event()
    full.set()
    real_put = edge.outbox.put_once

    def put_once(alert: Alert, source_key: str) -> str | None:
        if full.is_set():
            raise sqlite3.OperationalError("database or disk is full")
        return real_put(alert, source_key)

    edge.outbox.put_once = put_once  # type: ignore[method-assign]
    for seq in range(1, 6):
        publisher.publish(TOPIC, body(seq), qos=1).wait_for_publish(5)
    wait_until(lambda: edge.gate.retrying == 5, timeout=5, message="5 events waiting")
    assert metric("anju_edge_storage_failing") == 1
    # The officers see it on the device board, from the box's next heartbeat.
    gateway.add_user("adm", "admin")
    admin = gateway.login("adm")

    def board_says() -> bool:
        return bool(admin.get("/api/v1/edges").json()[0]["storage_failing"])

    with httpx.Client(base_url=gateway.url) as link:
        assert edge.heartbeat.send_once(link)
        assert board_says()
    time.sleep(2.5)  # several rounds of backoff: more than MAX_ATTEMPTS failures each
    assert not raised.at and not edge.outbox.dead_messages()
    assert metric("anju_edge_gate_events_retrying") == 5
    full.clear()
    wait_until(lambda: sorted(raised.at) == [1, 2, 3, 4, 5], timeout=10, message="all 5")
    wait_until(lambda: edge.gate.retrying == 0, timeout=5, message="nothing waiting")
    assert metric("anju_edge_storage_failing") == 0
    assert not edge.outbox.dead_messages()
    with httpx.Client(base_url=gateway.url) as link:
        assert edge.heartbeat.send_once(link)
        assert not board_says()


def test_a_locked_event_does_not_hold_up_the_others(
    publisher: mqtt.Client, edge: EdgeService, gateway: GatewayServer
) -> None:
    raised = Raised(edge)
    locked = threading.Event()
    locked.set()
    poison_calls: list[int] = []
    real = edge.gate.rules.evaluate

    def evaluate(gate_id: str, event: Any, **kwargs: Any) -> Any:
        if event.seq == 1 and locked.is_set():
            poison_calls.append(1)
            raise sqlite3.OperationalError("database is locked")
        return real(gate_id, event, **kwargs)

    edge.gate.rules.evaluate = evaluate  # type: ignore[method-assign]
    publisher.publish(TOPIC, body(1), qos=1).wait_for_publish(5)
    sent = time.monotonic()
    for seq in range(2, 12):
        publisher.publish(TOPIC, body(seq), qos=1)
    wait_until(lambda: len(raised.at) == 10, timeout=5, message="the 10 events behind it")
    assert max(raised.at.values()) - sent < 1.0
    wait_until(lambda: len(poison_calls) > MAX_ATTEMPTS, timeout=10, message="many attempts")
    locked.clear()
    wait_until(lambda: 1 in raised.at, timeout=15, message="the locked event, in the end")
    assert not edge.outbox.dead_messages()
