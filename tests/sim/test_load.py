"""Load mode reports what it sent, and a subscriber receives exactly that."""

from __future__ import annotations

import threading
from collections import Counter

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from anju_sim.load import LoadSpec, run_load
from tests.support.servers import wait_until


def test_load_counts_match_what_arrives(broker) -> None:  # type: ignore[no-untyped-def]
    received: Counter[str] = Counter()
    lock = threading.Lock()
    ready = threading.Event()

    def on_message(client, userdata, msg):  # type: ignore[no-untyped-def]
        with lock:
            received[msg.topic] += 1

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="load-counter")
    sub.on_message = on_message
    sub.on_subscribe = lambda *a: ready.set()
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("anju/#", qos=1)
    sub.loop_start()
    assert ready.wait(5)
    spec = LoadSpec(compounds=3, cameras=2, gates=2, gate_rate=10, camera_fps=4, duration=2)
    report = run_load(spec, "127.0.0.1", broker.port)
    assert report.gate_events >= 3 * 2 * 10 * 2 - 12  # about rate x time, whatever the phase
    assert report.snapshots >= 3 * 2 * 4 * 2 - 6
    assert report.bytes > report.snapshots * 100_000
    wait_until(
        lambda: sum(received.values()) >= report.messages,
        timeout=10,
        message="every message at the subscriber",
    )
    sub.disconnect()
    sub.loop_stop()
    assert dict(received) == report.per_topic
    assert "sent" in report.summary() and "msg/s" in report.summary()
