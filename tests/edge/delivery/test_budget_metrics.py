"""The box's budget counters: bytes sent up to the gateway by kind, bytes of camera data in."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import REGISTRY
from ulid import ULID

from anju_contracts import Alert, utcnow
from anju_contracts.common import format_ts
from anju_edge.delivery.enrol import write_token
from anju_edge.delivery.link import request_bytes
from anju_edge.delivery.uplink import batch_body, thumbnail_chars
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until

JPEG = (Path(__file__).resolve().parents[3] / "models/reference/vtest_0200.jpg").read_bytes()


def sent(kind: str) -> float:
    return REGISTRY.get_sample_value("anju_edge_uplink_bytes_total", {"kind": kind}) or 0.0


def received(source: str) -> float:
    return REGISTRY.get_sample_value("anju_edge_camera_bytes_total", {"source": source}) or 0.0


def test_thumbnail_characters_are_found_in_a_serialised_alert() -> None:
    thumb = base64.b64encode(b"\xff\xd8" + b"x" * 3000).decode()
    alert = Alert(
        id=str(ULID()),
        compound_id="c1",
        source_kind="camera",
        source_id="cam1",
        kind="intrusion",
        severity="high",
        ts=utcnow(),
        details={"note": 'a "quoted" word'},
        snapshot_jpeg_b64=thumb,
    )
    assert thumbnail_chars(alert.model_dump_json()) == len(thumb)
    assert (
        thumbnail_chars(alert.model_copy(update={"snapshot_jpeg_b64": None}).model_dump_json()) == 0
    )
    body = batch_body([alert.model_dump_json()])
    assert json.loads(body)["alerts"][0]["snapshot_jpeg_b64"] == thumb


def test_request_bytes_counts_line_headers_and_body() -> None:
    # "POST /x HTTP/1.1\r\n" + "A: b\r\n" + "\r\n" + 10 bytes
    assert request_bytes("POST", "/x", [("A", "b")], 10) == 18 + 6 + 2 + 10


def test_the_box_counts_what_it_sends_up_and_what_its_cameras_send(
    tmp_path: Path, broker, gateway: GatewayServer
) -> None:  # type: ignore[no-untyped-def]
    cfg = edge_config(
        tmp_path / "edge",
        broker.port,
        gateway.url,
        gateway={"url": gateway.url, "heartbeat_s": 1},
        cameras=[{"id": "cam1", "name": "大门"}],
    )
    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
    write_token(cfg.token_path(), token)
    before = {k: sent(k) for k in ("alerts", "heartbeats", "sync", "thumbnails")}
    camera_before = received("mqtt")
    service = start_edge(cfg)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"budget-{time.monotonic_ns()}")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        client.publish("anju/c1/camera/cam1/snapshot", JPEG, qos=1).wait_for_publish(5)
        body = {"v": 1, "seq": 1, "ts": format_ts(utcnow()), "type": "door_forced"}
        client.publish("anju/c1/gate/g1/event", json.dumps(body), qos=1).wait_for_publish(5)
        wait_until(
            lambda: gateway.db.conn().execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 1,
            timeout=20,
            message="the alert at the gateway",
        )
        wait_until(lambda: received("mqtt") - camera_before >= len(JPEG), message="camera bytes")
        assert received("mqtt") - camera_before == len(JPEG)
        stored = gateway.db.conn().execute("SELECT id FROM alerts").fetchone()[0]
        wait_until(lambda: sent("heartbeats") > before["heartbeats"], message="heartbeat bytes")
        wait_until(lambda: sent("sync") > before["sync"], message="sync bytes")
        # The alert's request: at least its id and the batch around it; no thumbnail (a gate).
        grown = sent("alerts") - before["alerts"]
        assert grown > len(stored) + 200
        assert sent("thumbnails") == before["thumbnails"]
    finally:
        client.disconnect()
        client.loop_stop()
        service.stop()
