"""Shared parts of the fault tests: a durable publisher of gate events and counting helpers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from anju_contracts import GateEvent, GateEventType, utcnow
from anju_gateway.store import Database
from tests.support.servers import wait_until


class GatePublisher:
    """A gate controller with a persistent session: its QoS 1 events survive broker restarts."""

    def __init__(self, port: int, gate: str = "g1", ts: datetime | None = None) -> None:
        self.topic = f"anju/c1/gate/{gate}/event"
        self.ts = ts  # a fixed device time (a gate clock that is off), else the true time
        self.seq = 0
        self.connected = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"fault-{gate}", clean_session=False
        )
        self.client.on_connect = lambda *a: self.connected.set()
        self.client.on_disconnect = lambda *a: self.connected.clear()
        self.client.reconnect_delay_set(0.2, 1)
        self.client.max_inflight_messages_set(100)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.connected.wait(10)

    def publish(self, n: int) -> None:
        infos = []
        for _ in range(n):
            self.seq += 1
            ts = self.ts or utcnow()
            event = GateEvent(seq=self.seq, ts=ts, type=GateEventType.door_forced)
            infos.append(self.client.publish(self.topic, event.model_dump_json(), qos=1))
        for info in infos:
            info.wait_for_publish(30)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(broker) -> Iterator[GatePublisher]:  # type: ignore[no-untyped-def]
    pub = GatePublisher(broker.port)
    yield pub
    pub.close()


def stored_seqs(db: Database) -> list[int]:
    rows = (
        db.conn()
        .execute(
            "SELECT json_extract(details_json, '$.seq') FROM alerts WHERE kind = 'door_forced'"
        )
        .fetchall()
    )
    return sorted(int(r[0]) for r in rows)


def wait_for_all(db: Database, n: int, timeout: float = 60) -> list[int]:
    try:
        wait_until(lambda: len(stored_seqs(db)) >= n, timeout=timeout, message="alerts")
    except AssertionError:
        seqs = stored_seqs(db)
        missing = sorted(set(range(1, n + 1)) - set(seqs))
        raise AssertionError(
            f"{len(seqs)} of {n} alerts at the gateway; missing seqs {missing[:40]}"
        ) from None
    return stored_seqs(db)


FAULT_EDGE = {"gate_rules": {"cooldown_s": 0}}  # every event is its own alert


def wait_edge_online(port: int, timeout: float = 20) -> None:
    """The edge says `online` (retained) once it is connected and subscribed."""
    seen = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="fault-status-watch")
    client.on_message = lambda c, u, m: m.payload == b"online" and seen.set()
    client.on_connect = lambda c, *a: c.subscribe("anju/c1/edge/status", qos=1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        assert seen.wait(timeout), "the edge never said online"
    finally:
        client.disconnect()
        client.loop_stop()
