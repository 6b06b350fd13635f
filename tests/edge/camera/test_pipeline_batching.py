"""The prepare thread hands the workers one model batch at a time: single images for a model
with a fixed batch of 1, and the waiting cameras shared out between the workers for a model that
takes batches. Driven through the threaded pipeline with a detector that records its runs."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from anju_contracts import SnapshotMeta
from anju_edge.alerts import AlertSink
from anju_edge.camera.pipeline import DetectionPipeline
from anju_edge.delivery.outbox import Outbox
from anju_edge.detect.api import Detection, Detector, Image, Prepared
from tests.support.servers import edge_config, wait_until

JPEG = cv2.imencode(".jpg", np.full((48, 64, 3), 127, np.uint8))[1].tobytes()


class RecordingDetector(Detector):
    def __init__(self, max_batch: int) -> None:
        self.labels = ["person"]
        self.max_batch = max_batch
        self.runs: list[int] = []
        self.gate = threading.Event()  # holds the workers until every frame is waiting
        self.lock = threading.Lock()

    def prepare(self, image: Image) -> Prepared:
        return Prepared(np.zeros((3, 4, 4), np.float32), None, image.shape[1], image.shape[0])

    def run(self, prepared: Sequence[Prepared], min_score: float) -> list[list[Detection]]:
        self.gate.wait(10)
        assert len(prepared) <= self.max_batch
        with self.lock:
            self.runs.append(len(prepared))
        return [[] for _ in prepared]


@pytest.mark.parametrize("max_batch,expected", [(1, [1] * 8), (8, [4, 4])])
def test_frames_handed_on_one_model_batch_at_a_time(
    tmp_path: Path, max_batch: int, expected: list[int]
) -> None:
    cameras = [{"id": f"cam{i}"} for i in range(8)]
    cfg = edge_config(tmp_path, 1883, "http://127.0.0.1:9", cameras=cameras)
    assert cfg.detector.workers == 2
    detector = RecordingDetector(max_batch)
    pipeline = DetectionPipeline(cfg, detector, AlertSink("c1", Outbox(tmp_path / "o.db", 1 << 20)))
    for i in range(8):  # all eight wait before the pipeline starts: taken together
        pipeline.submit(f"cam{i}", JPEG, SnapshotMeta(), float(i))
    pipeline.start()
    try:
        detector.gate.set()
        wait_until(lambda: sum(detector.runs) == 8, timeout=10, message="all 8 frames run")
    finally:
        pipeline.stop()
    assert sorted(detector.runs) == expected
