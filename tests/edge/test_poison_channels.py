"""A flood of bad messages on any channel the edge subscribes to never makes it deaf: after 150
bad messages of every kind on one channel (more than the broker's 100 unacknowledged
messages), a good message on the same channel still takes effect, and a good gate event still
becomes an alert within a second."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from anju_contracts import Alert, DeviceState, SnapshotMeta, utcnow
from anju_contracts.common import format_ts
from anju_edge.delivery.enrol import write_token
from anju_edge.service import EdgeService
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until

N_BAD = 150
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


def props(**user: str) -> Properties:
    p = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    p.UserProperty = list(user.items())
    return p


def now_ts() -> str:
    return format_ts(utcnow())


def gate_event(seq: int, **extra: Any) -> bytes:
    return json.dumps({"v": 1, "seq": seq, "ts": now_ts(), "type": "door_forced", **extra}).encode()


Bad = tuple[str, bytes, Properties | None]

# Every way a message on the channel can be bad, including ones that pass validation and then
# break the step behind it (the handler raising).
BAD: dict[str, list[Bad]] = {
    "gate_event": [
        ("anju/c1/gate/g1/event", b"not json", None),
        ("anju/c1/gate/g1/event", b"\xff\xfe", None),
        ("anju/c1/gate/g1/event", b"[1]", None),
        ("anju/c1/gate/g1/event", gate_event(1, v="one"), None),
        ("anju/c1/gate/g1/event", gate_event(1, type="alien"), None),
        ("anju/c1/gate/g1/event", gate_event(1, pad="x" * 20_000), None),
        ("anju/c1/gate/g1/event", gate_event(1, ts="0001-01-01T00:30:00+01:00"), None),
        ("anju/c1/gate/nobody/event", gate_event(1), None),
        ("anju/c1/gate/g1/event", gate_event(666), None),  # the rules raise on this one
    ],
    "gate_status": [
        ("anju/c1/gate/g1/status", b"sleeping", None),
        ("anju/c1/gate/g1/status", b"\xff", None),
        ("anju/c1/gate/g1/status", b"", None),
        ("anju/c1/gate/nobody/status", b"online", None),
        ("anju/c1/gate/g1/status", b"offline ", None),  # valid: the registry raises on it
    ],
    "camera_snapshot": [
        ("anju/c1/camera/cam1/snapshot", b"", None),
        ("anju/c1/camera/cam1/snapshot", b"\xff" * 2048, None),  # over the 1 KiB limit
        ("anju/c1/camera/cam1/snapshot", JPEG, props(ts="yesterday")),
        ("anju/c1/camera/cam1/snapshot", JPEG, props(seq="-1")),
        ("anju/c1/camera/nocam/snapshot", JPEG, None),
        ("anju/c1/camera/cam1/snapshot", JPEG, props(seq="666")),  # the frame sink raises
    ],
    "camera_motion": [
        ("anju/c1/camera/cam1/motion", b"{", None),
        ("anju/c1/camera/cam1/motion", json.dumps({"v": 1, "seq": 1}).encode(), None),
        ("anju/c1/camera/nocam/motion", b"{}", None),
        (
            "anju/c1/camera/cam1/motion",
            json.dumps({"v": 1, "seq": 1, "ts": now_ts(), "active": True, "x": 1}).encode(),
            None,
        ),
    ],
    "camera_status": [
        ("anju/c1/camera/cam1/status", b"maybe", None),
        ("anju/c1/camera/nocam/status", b"online", None),
        ("anju/c1/camera/cam1/status", b"stopped ", None),  # valid: the registry raises on it
    ],
}


@pytest.fixture
def publisher(broker) -> Iterator[mqtt.Client]:  # type: ignore[no-untyped-def]
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id="poison-channels", protocol=mqtt.MQTTv5
    )
    client.max_inflight_messages_set(200)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    yield client
    client.disconnect()
    client.loop_stop()


@pytest.fixture
def edge(tmp_path: Path, broker, gateway: GatewayServer) -> Iterator[EdgeService]:  # type: ignore[no-untyped-def]
    cfg = edge_config(
        tmp_path / "edge",
        broker.port,
        gateway.url,
        gate_rules={"cooldown_s": 0},
        cameras=[{"id": "cam1"}],
        detector={"max_snapshot_bytes": 1024},
    )
    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
    write_token(cfg.token_path(), token)
    service = start_edge(cfg)
    yield service
    service.stop()


def health(edge: EdgeService, kind: str, device: str) -> Any:
    return next(h for h in edge.devices.health() if h.kind == kind and h.id == device)


@pytest.mark.parametrize("channel", list(BAD))
def test_a_flood_of_bad_messages_leaves_the_box_listening(
    channel: str, publisher: mqtt.Client, edge: EdgeService
) -> None:
    alerts: dict[int, float] = {}
    frames: list[SnapshotMeta] = []
    edge.sink.add_listener(lambda a: _note(alerts, a))
    _break_handlers(edge, frames)
    bad = BAD[channel]
    infos = [send(publisher, bad[i % len(bad)]) for i in range(N_BAD)]
    for info in infos:
        info.wait_for_publish(10)
    # A good message on the same channel still takes effect ...
    good: dict[str, tuple[Bad, Callable[[], bool]]] = {
        "gate_event": (
            ("anju/c1/gate/g1/event", gate_event(1), None),
            lambda: 1 in alerts,
        ),
        "gate_status": (
            ("anju/c1/gate/g1/status", b"online", None),
            lambda: health(edge, "gate", "g1").state is DeviceState.online,
        ),
        "camera_snapshot": (
            ("anju/c1/camera/cam1/snapshot", JPEG, props(seq="7", ts=now_ts())),
            lambda: any(m.seq == 7 for m in frames),
        ),
        "camera_motion": (
            (
                "anju/c1/camera/cam1/motion",
                json.dumps({"v": 1, "seq": 1, "ts": now_ts(), "active": True}).encode(),
                None,
            ),
            lambda: health(edge, "camera", "cam1").last_seen is not None,
        ),
        "camera_status": (
            ("anju/c1/camera/cam1/status", b"online", None),
            lambda: health(edge, "camera", "cam1").state is DeviceState.online,
        ),
    }
    message, took_effect = good[channel]
    send(publisher, message).wait_for_publish(5)
    wait_until(took_effect, timeout=5, message=f"a good {channel} message to take effect")
    # ... and a good gate event becomes an alert within a second.
    sent = time.monotonic()
    send(publisher, ("anju/c1/gate/g1/event", gate_event(2), None))
    wait_until(lambda: 2 in alerts, timeout=5, message="the good gate event's alert")
    assert alerts[2] - sent < 1.0
    assert edge.mqtt.connected.is_set()


def send(client: mqtt.Client, message: Bad) -> mqtt.MQTTMessageInfo:
    topic, payload, properties = message
    return client.publish(topic, payload, qos=1, properties=properties)


def _note(alerts: dict[int, float], alert: Alert) -> None:
    if alert.kind.value == "door_forced":
        alerts.setdefault(int(alert.details["seq"]), time.monotonic())


def _break_handlers(edge: EdgeService, frames: list[SnapshotMeta]) -> None:
    """The steps behind validation raise on the marked messages."""
    lock = threading.Lock()

    def frame_sink(camera_id: str, jpeg: bytes, meta: SnapshotMeta, arrived: float) -> None:
        if meta.seq == 666:
            raise RuntimeError("the pipeline broke")
        with lock:
            frames.append(meta)

    edge.set_frame_sink(frame_sink)
    real_update = edge.devices.update

    def update(kind: str, device_id: str, state: DeviceState) -> None:
        if state is not DeviceState.online:
            raise RuntimeError("the registry broke")
        real_update(kind, device_id, state)

    edge.devices.update = update  # type: ignore[method-assign]
    real_evaluate = edge.gate.rules.evaluate

    def evaluate(gate_id: str, event: Any, **kwargs: Any) -> Any:
        if event.seq == 666:
            raise RuntimeError("the rules broke")
        return real_evaluate(gate_id, event, **kwargs)

    edge.gate.rules.evaluate = evaluate  # type: ignore[method-assign]
