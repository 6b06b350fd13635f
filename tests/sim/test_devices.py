"""Simulated devices behave like firmware on a real Mosquitto: retained status and last will,
monotonic seq, clock skew, snapshot user properties, motion mode, reconnect after an outage."""

from __future__ import annotations

import queue
import threading
from datetime import timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from anju_contracts import GateEvent, GateEventType, SnapshotMeta, utcnow
from anju_contracts.camera import MotionEvent
from anju_sim.devices import SimCamera, SimGate
from tests.support.servers import wait_until

Msg = tuple[str, bytes, dict[str, str], bool]


def subscriber(port: int, topic: str) -> tuple[mqtt.Client, queue.Queue[Msg]]:
    got: queue.Queue[Msg] = queue.Queue()
    subscribed = threading.Event()

    def on_message(client, userdata, m):  # type: ignore[no-untyped-def]
        props = dict(getattr(m.properties, "UserProperty", None) or [])
        got.put((m.topic, m.payload, props, bool(m.retain)))

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe(topic, qos=1)
    assert subscribed.wait(5)
    return client, got


def close(client: mqtt.Client) -> None:
    client.disconnect()
    client.loop_stop()


def test_gate_status_seq_and_clock_skew(broker):  # type: ignore[no-untyped-def]
    gate = SimGate("127.0.0.1", broker.port, "c1", "g1", clock_skew_s=-120)
    gate.start()
    sub, got = subscriber(broker.port, "anju/c1/gate/g1/#")
    try:
        # A late subscriber still learns the gate is online: the status is retained.
        assert got.get(timeout=5)[1:] == (b"online", {}, True)
        for _ in range(3):
            gate.emit(GateEventType.card_swipe, credential="C-1", result="granted")
        events = [GateEvent.model_validate_json(got.get(timeout=5)[1]) for _ in range(3)]
        assert [e.seq for e in events] == [1, 2, 3]
        # The controller's clock runs two minutes slow and its events say so.
        lag = utcnow() - events[-1].ts
        assert timedelta(seconds=115) < lag < timedelta(seconds=125)
        gate.stop()
        assert got.get(timeout=5)[1] == b"stopped"  # a clean stop, not an outage
    finally:
        close(sub)


def test_snapshots_carry_ts_and_seq_user_properties(broker):  # type: ignore[no-untyped-def]
    cam = SimCamera("127.0.0.1", broker.port, "c1", "cam1", clock_skew_s=30)
    cam.start()
    sub, got = subscriber(broker.port, "anju/c1/camera/cam1/snapshot")
    try:
        cam.snapshot(b"\xff\xd8first")
        cam.snapshot(b"\xff\xd8second")
        metas = []
        for payload in (b"\xff\xd8first", b"\xff\xd8second"):
            _topic, body, props, _ = got.get(timeout=5)
            assert body == payload
            metas.append(SnapshotMeta.model_validate(props))
        assert [m.seq for m in metas] == [1, 2]
        assert metas[0].ts is not None
        assert timedelta(seconds=25) < metas[0].ts - utcnow() < timedelta(seconds=35)
    finally:
        close(sub)
        cam.stop()


def test_motion_mode_sends_frames_only_while_moving(broker):  # type: ignore[no-untyped-def]
    cam = SimCamera("127.0.0.1", broker.port, "c1", "cam1")
    cam.start()
    sub, got = subscriber(broker.port, "anju/c1/camera/cam1/+")
    stop = threading.Event()
    try:
        frames = [b"\xff\xd8a", b"\xff\xd8b", b"\xff\xd8c", b"\xff\xd8d"]
        moving = [False, True, True, False]
        thread = threading.Thread(
            target=lambda: cam.feed(frames, fps=20, stop=stop, on_motion=True, motion_frames=moving)
        )
        thread.start()
        seen: list[tuple[str, bytes]] = []
        while len(seen) < 4:  # motion on, b, c, motion off
            topic, body, _, _ = got.get(timeout=5)
            if not topic.endswith("/status"):
                seen.append((topic.rsplit("/", 1)[1], body))
        stop.set()
        thread.join(5)
        assert [s[0] for s in seen] == ["motion", "snapshot", "snapshot", "motion"]
        assert [s[1] for s in seen[1:3]] == [b"\xff\xd8b", b"\xff\xd8c"]
        on, off = (MotionEvent.model_validate_json(seen[i][1]) for i in (0, 3))
        assert on.active and not off.active and off.seq > on.seq
    finally:
        stop.set()
        close(sub)
        cam.stop()


def test_gate_reconnects_after_broker_restart(broker):  # type: ignore[no-untyped-def]
    gate = SimGate("127.0.0.1", broker.port, "c1", "g1")
    gate.start()
    try:
        broker.restart()
        wait_until(lambda: not gate.connected.is_set(), timeout=10, message="gate saw the outage")
        wait_until(gate.connected.is_set, timeout=15, message="gate reconnected with backoff")
        sub, got = subscriber(broker.port, "anju/c1/gate/g1/#")
        try:
            assert got.get(timeout=5)[1] == b"online"  # re-announced after the reconnect
            gate.emit(GateEventType.door_forced, direction="in")
            event = GateEvent.model_validate_json(got.get(timeout=5)[1])
            assert event.type is GateEventType.door_forced and event.seq == 1
        finally:
            close(sub)
    finally:
        gate.stop()
