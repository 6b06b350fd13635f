"""The alert's thumbnail is drawn on the annotate thread, never on an inference worker: while a
thumbnail is being drawn the workers go on detecting, the same finding is not drawn twice, and
the legend carries the camera's and zone's names and the box's local time."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from anju_contracts import Alert, SnapshotMeta
from anju_edge.alerts import AlertSink
from anju_edge.camera import pipeline as pipeline_module
from anju_edge.camera.annotate import Legend
from anju_edge.camera.pipeline import DetectionPipeline
from anju_edge.delivery.outbox import Outbox
from anju_edge.detect.api import Detection, Detector, Image, Prepared
from tests.support.servers import edge_config, wait_until

JPEG = cv2.imencode(".jpg", np.full((480, 640, 3), 127, np.uint8))[1].tobytes()


class OnePerson(Detector):
    """A person standing in the middle of every picture."""

    def __init__(self) -> None:
        self.labels = ["person"]
        self.runs = 0

    def prepare(self, image: Image) -> Prepared:
        return Prepared(np.zeros((3, 4, 4), np.float32), None, image.shape[1], image.shape[0])

    def run(self, prepared: Sequence[Prepared], min_score: float) -> list[list[Detection]]:
        self.runs += len(prepared)
        return [
            [
                Detection(
                    "person", 0.9, p.width * 0.45, p.height * 0.4, p.width * 0.55, p.height * 0.8
                )
            ]
            for p in prepared
        ]


def test_thumbnails_are_drawn_off_the_inference_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = edge_config(
        tmp_path,
        1883,
        "http://127.0.0.1:9",
        cameras=[
            {
                "id": "lobby-cam",
                "name": "1号楼大堂",
                "zones": [
                    {"id": "hall", "name": "电梯厅", "polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}
                ],
                "rules": [{"type": "intrusion", "zone": "hall"}],
            }
        ],
    )
    drawing = threading.Event()
    release = threading.Event()
    calls: list[tuple[str, Legend]] = []
    real = pipeline_module.alert_snapshot

    def held_snapshot(*args: Any, **kwargs: Any) -> bytes:
        calls.append((threading.current_thread().name, args[4]))
        drawing.set()
        assert release.wait(20), "the test never released the annotate thread"
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "alert_snapshot", held_snapshot)
    raised: list[tuple[str, Alert]] = []
    sink = AlertSink(
        "c1",
        Outbox(tmp_path / "o.db", 1 << 24),
        on_raised=lambda a: raised.append((threading.current_thread().name, a)),
    )
    detector = OnePerson()
    pipeline = DetectionPipeline(cfg, detector, sink)
    pipeline.start()
    try:
        pipeline.submit("lobby-cam", JPEG, SnapshotMeta(), 1.0)
        assert drawing.wait(20), "no thumbnail was started"
        # The annotate thread is held in the middle of the drawing: the workers still detect.
        runs = detector.runs
        for i in range(3):
            seen = detector.runs
            pipeline.submit("lobby-cam", JPEG, SnapshotMeta(), 2.0 + i)
            wait_until(lambda s=seen: detector.runs > s, timeout=20, message="the next frame")
        assert detector.runs >= runs + 3 and not raised
        release.set()
        wait_until(lambda: raised, timeout=20, message="the alert")
    finally:
        release.set()
        pipeline.stop()
    # Drawn once (the later frames of the same finding waited for it, then cooled down), on
    # the annotate thread, and raised from there.
    assert [name for name, _ in calls] == ["detector-annotate"]
    [(thread, alert)] = raised
    assert thread == "detector-annotate" and alert.kind == "intrusion"
    assert alert.snapshot_jpeg_b64 is not None
    legend = calls[0][1]
    assert (legend.camera_name, legend.zone_name, legend.zone_id) == ("1号楼大堂", "电梯厅", "hall")
    assert legend.time.utcoffset() == timedelta(hours=8)  # the box's timezone, Asia/Shanghai
