"""RTSP and HTTP snapshot cameras, against real servers (GStreamer's RTSP server, a real HTTP
server with Digest auth) and the real edge service: availability through the device registry,
frozen pictures, wrong credentials, and never a password in a log line."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from anju_contracts import Alert, DeviceState
from anju_edge.service import EdgeService
from tests.support.cameras import http_camera, rtsp_camera
from tests.support.servers import edge_config, start_edge, wait_until

GRACE_S = 3.0


def start(tmp_path: Path, broker: Any, source: dict[str, Any]) -> tuple[EdgeService, list[Alert]]:
    cfg = edge_config(
        tmp_path / "edge",
        broker.port,
        "http://127.0.0.1:9",  # no gateway: alerts stay in the outbox
        gates=[],
        gate_rules={"offline_grace_s": GRACE_S},
        cameras=[{"id": "cam1", "name": "大门", "source": source}],
    )
    edge = start_edge(cfg)
    alerts: list[Alert] = []
    edge.sink.add_listener(alerts.append)
    return edge, alerts


def state(edge: EdgeService) -> DeviceState:
    return next(d.state for d in edge.devices.health() if d.id == "cam1")


def kinds(alerts: list[Alert]) -> list[str]:
    return [a.kind.value for a in alerts]


def test_rtsp_camera_killed_goes_offline_and_comes_back(tmp_path, broker):  # type: ignore[no-untyped-def]
    with rtsp_camera() as cam:
        source = cam.source_config(fps=2, timeout_s=2, frozen_after_s=0)
        edge, alerts = start(tmp_path, broker, source)
        try:
            wait_until(lambda: state(edge) is DeviceState.online, 15, message="camera online")
            alerts.clear()  # a slow start may already have raised a never_seen device_offline
            cam.crash()
            killed = time.monotonic()
            wait_until(lambda: "device_offline" in kinds(alerts), 15, message="device_offline")
            assert time.monotonic() - killed <= GRACE_S + 5
            assert alerts[0].details["state"] == "offline"
            cam.start()
            wait_until(lambda: state(edge) is DeviceState.online, 20, message="back online")
            watch = edge.sources.supervisor.watch("cam1")
            seen = watch.last_frame
            wait_until(lambda: watch.last_frame != seen, 5, message="frames flowing again")
            assert kinds(alerts) == ["device_offline"]
        finally:
            edge.stop()


def test_rtsp_stall_and_freeze_raise_their_alerts(tmp_path, broker):  # type: ignore[no-untyped-def]
    with rtsp_camera() as cam:
        source = cam.source_config(fps=2, timeout_s=2, frozen_after_s=3)
        edge, alerts = start(tmp_path, broker, source)
        try:
            wait_until(lambda: state(edge) is DeviceState.online, 15, message="camera online")
            alerts.clear()  # a slow start may already have raised a never_seen device_offline
            cam.mode("freeze")
            wait_until(lambda: "camera_frozen" in kinds(alerts), 12, message="camera_frozen")
            assert state(edge) is DeviceState.online  # frames still come: not offline
            cam.mode("normal")
            watch = edge.sources.supervisor.watch("cam1")
            wait_until(lambda: not watch.frozen_alerted, 5, message="frozen cleared")
            cam.mode("stall")
            stalled = time.monotonic()
            wait_until(lambda: "device_offline" in kinds(alerts), 15, message="device_offline")
            assert time.monotonic() - stalled <= GRACE_S + 5
            cam.mode("normal")
            wait_until(lambda: state(edge) is DeviceState.online, 20, message="back online")
            assert kinds(alerts) == ["camera_frozen", "device_offline"], alerts
        finally:
            edge.stop()


@pytest.mark.parametrize("auth", ["digest", "basic"])
def test_rtsp_wrong_credentials_auth_failed_and_never_logged(tmp_path, broker, caplog, auth):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    password = "Pa55:w0rd-secret"
    with rtsp_camera(auth=auth, password=password) as cam:
        source = cam.source_config(fps=2, timeout_s=2)
        assert cam.credentials_file is not None
        wrong = tmp_path / "wrong.cred"
        wrong.write_text("anju:not-the-Pa55word\n")
        edge, alerts = start(tmp_path, broker, {**source, "credentials": str(wrong)})
        try:
            wait_until(lambda: state(edge) is DeviceState.auth_failed, 15, message="auth_failed")
            wait_until(lambda: "device_offline" in kinds(alerts), 10, message="device_offline")
            assert alerts[0].details["state"] == "auth_failed"
        finally:
            edge.stop()
        edge, _ = start(tmp_path / "good", broker, source)
        try:
            wait_until(lambda: state(edge) is DeviceState.online, 15, message="right password")
        finally:
            edge.stop()
    lines = [r.getMessage() for r in caplog.records]
    assert any("auth_failed" in line for line in lines)
    for secret in (password, "not-the-Pa55word", "Pa55%3Aw0rd"):
        assert not [line for line in lines if secret in line]


def test_http_snapshot_camera_auth_offline_and_back(tmp_path, broker, caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    with http_camera(auth="digest", password="http-Secret-1") as cam:
        source = cam.source_config(interval_s=0.25, timeout_s=1, frozen_after_s=2)
        bad = tmp_path / "bad.pass"
        bad.write_text("wrong-Secret-2\n")
        edge, alerts = start(tmp_path, broker, {**source, "password_file": str(bad)})
        try:
            wait_until(lambda: state(edge) is DeviceState.auth_failed, 10, message="auth_failed")
        finally:
            edge.stop()
        edge, alerts = start(tmp_path / "good", broker, source)
        try:
            wait_until(lambda: state(edge) is DeviceState.online, 10, message="online")
            # The same JPEG every poll (304 Not Modified): a frozen picture.
            wait_until(lambda: "camera_frozen" in kinds(alerts), 10, message="camera_frozen")
            cam.crash()
            killed = time.monotonic()
            wait_until(lambda: "device_offline" in kinds(alerts), 10, message="device_offline")
            assert time.monotonic() - killed <= GRACE_S + 5
            cam.start()
            wait_until(lambda: state(edge) is DeviceState.online, 15, message="back online")
        finally:
            edge.stop()
    lines = [r.getMessage() for r in caplog.records]
    assert not [line for line in lines if "Secret" in line]
