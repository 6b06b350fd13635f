"""Load mode with set payload sizes: every snapshot is a decodable JPEG of exactly that size, and
the CLI reports what it sent."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from typer.testing import CliRunner

from anju.cli import app
from anju_sim.load import LoadSpec, jpeg_of_size, run_load
from anju_sim.scenario import media
from tests.support.servers import wait_until


@pytest.mark.parametrize("extra", [0, 1, 4, 5, 65_537, 65_538, 200_003])
def test_padded_jpeg_has_the_size_and_the_same_picture(extra: int) -> None:
    jpeg = media("plaza.jpg")
    padded = jpeg_of_size(jpeg, len(jpeg) + extra)
    assert len(padded) == len(jpeg) + extra
    a = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    b = cv2.imdecode(np.frombuffer(padded, np.uint8), cv2.IMREAD_COLOR)
    assert b is not None and np.array_equal(a, b)


def test_padding_cannot_shrink() -> None:
    with pytest.raises(ValueError, match="smaller"):
        jpeg_of_size(media("plaza.jpg"), 1000)


def test_snapshots_arrive_with_the_set_size(broker) -> None:  # type: ignore[no-untyped-def]
    sizes: list[int] = []
    ready = threading.Event()
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="size-counter")
    sub.on_message = lambda c, u, m: sizes.append(len(m.payload))
    sub.on_subscribe = lambda *a: ready.set()
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("anju/+/camera/+/snapshot", qos=1)
    sub.loop_start()
    try:
        assert ready.wait(5)
        spec = LoadSpec(
            compounds=2, cameras=1, gates=0, camera_fps=5, duration=1.0, snapshot_bytes=300_000
        )
        report = run_load(spec, "127.0.0.1", broker.port)
        wait_until(lambda: len(sizes) >= report.snapshots, timeout=10, message="snapshots")
        assert report.snapshots >= 8 and set(sizes) == {300_000}
        assert report.bytes == 300_000 * report.snapshots
    finally:
        sub.disconnect()
        sub.loop_stop()


def test_cli_load_reports_what_it_sent(broker) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        app,
        [
            "sim",
            "load",
            "--compounds",
            "1",
            "--cameras",
            "1",
            "--gates",
            "1",
            "--rate",
            "5",
            "--camera-fps",
            "2",
            "--duration",
            "1",
            "--broker",
            broker.url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "sent 5 gate events and 2 snapshots" in result.output
