"""Broker durability: events a kill -9 of Mosquitto loses, and what saving often costs.

An edge that is down has its QoS 1 gate events queued at the broker. For each autosave option
this acknowledges 2,000 events (the backlog), then 333 more, kills the broker with SIGKILL
right after the last acknowledgement, restarts it and counts what the edge's session gets.
The shipped option (anju/resources/mosquitto-base.conf) must lose at most 5 and still take
at least 500 events/s while 2,000 wait.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench.stats import report

BACKLOG = 2000
TAIL = 333
TOPIC = "anju/c1/gate/g1/event"
OPTIONS = {
    "timed save every 10 s (before)": "autosave_on_changes false\nautosave_interval 10\n",
    "save after every change": "autosave_on_changes true\nautosave_interval 1\n",
    "shipped: save after every 5 changes": "",
    "save after every 100 changes": "autosave_on_changes true\nautosave_interval 100\n",
}


def _edge_session(port: int, received: set[bytes] | None = None) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-edge", protocol=mqtt.MQTTv5)
    subscribed = threading.Event()
    client.on_connect = lambda c, *a: c.subscribe("anju/c1/gate/+/event", qos=1)
    client.on_subscribe = lambda *a: subscribed.set()
    if received is not None:
        client.on_message = lambda c, u, m: received.add(m.payload)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    subscribed.wait(10)
    return client


def _publish(client: mqtt.Client, prefix: str, n: int) -> float:
    start = time.perf_counter()
    infos = [client.publish(TOPIC, f"{prefix}{i}".encode(), qos=1) for i in range(n)]
    for info in infos:
        info.wait_for_publish(120)
    return n / (time.perf_counter() - start)


def measure(overrides: str) -> tuple[float, int]:
    """(events/s acknowledged while the backlog grows, events of the tail lost by kill -9)."""
    from anju.broker import MosquittoBroker

    with tempfile.TemporaryDirectory() as tmp:
        broker = MosquittoBroker(Path(tmp), overrides=overrides)
        broker.start()
        edge = _edge_session(broker.port)
        edge.disconnect()
        edge.loop_stop()
        gate = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-gate", clean_session=False)
        gate.connect("127.0.0.1", broker.port)
        gate.loop_start()
        rate = _publish(gate, "backlog-", BACKLOG)
        _publish(gate, "tail-", TAIL)
        broker.kill9()
        gate.loop_stop()
        broker.start()
        received: set[bytes] = set()
        edge = _edge_session(broker.port, received)
        deadline, seen = time.monotonic() + 20, -1
        while len(received) < BACKLOG + TAIL and time.monotonic() < deadline:
            if seen == len(received):  # nothing more for a second: that was all
                break
            seen = len(received)
            time.sleep(1.0)
        edge.disconnect()
        edge.loop_stop()
        broker.stop()
    kept_tail = sum(1 for p in received if p.startswith(b"tail-"))
    lost_backlog = BACKLOG - sum(1 for p in received if p.startswith(b"backlog-"))
    return rate, (TAIL - kept_tail) + lost_backlog


def run() -> bool:
    ok = True
    for name, overrides in OPTIONS.items():
        rate, lost = measure(overrides)
        shipped = name.startswith("shipped")
        print(f"  {name}")
        ok &= report(
            "    events/s acknowledged with 2,000 queued",
            rate,
            "ev/s",
            ">= 500" if shipped else "-",
            rate >= 500 or not shipped,
        )
        ok &= report(
            f"    lost of {BACKLOG + TAIL} by kill -9",
            lost,
            "events",
            "<= 5" if shipped else "-",
            lost <= 5 or not shipped,
        )
    return ok
