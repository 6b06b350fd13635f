"""The pipeline with the real model: a person in an armed zone becomes one alert (cooldown per
track), and an older frame finishing late is dropped instead of moving the tracks back."""

from __future__ import annotations

import base64
from pathlib import Path

from prometheus_client import REGISTRY

from anju_contracts import SnapshotMeta
from anju_edge.alerts import AlertSink
from anju_edge.camera.pipeline import DetectionPipeline
from anju_edge.camera.slots import Frame
from anju_edge.delivery.outbox import Outbox
from anju_edge.detect.onnx_detector import load_detector
from tests.support.servers import edge_config

FRAME = (Path(__file__).resolve().parents[3] / "models" / "reference" / "camera.jpg").read_bytes()


def dropped(camera: str) -> float:
    return REGISTRY.get_sample_value("anju_edge_frames_dropped_total", {"camera": camera}) or 0.0


def test_alert_once_per_track_and_stale_frames_dropped(tmp_path: Path) -> None:
    cfg = edge_config(
        tmp_path,
        1883,
        "http://127.0.0.1:9",
        cameras=[
            {
                "id": "cam9",
                "zones": [{"id": "all", "polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}],
                "rules": [{"type": "intrusion", "zone": "all"}],
            }
        ],
    )
    clock = [100.0]
    outbox = Outbox(tmp_path / "o.db", 1 << 24)
    pipeline = DetectionPipeline(
        cfg,
        load_detector(cfg.detector.model, None, 1),
        AlertSink("c1", outbox),
        monotonic=lambda: clock[0],
    )
    meta = SnapshotMeta()
    [alert] = pipeline.process([Frame("cam9", FRAME, meta, 2.0)])
    assert alert.kind == "intrusion" and alert.source_id == "cam9" and alert.zone == "all"
    [obj] = alert.objects
    assert obj.label == "person" and obj.track_id is not None
    assert alert.snapshot_jpeg_b64 is not None
    assert base64.b64decode(alert.snapshot_jpeg_b64)[:2] == b"\xff\xd8"

    clock[0] += 1.0  # the same person a second later: same track, cooling down
    assert pipeline.process([Frame("cam9", FRAME, meta, 3.0)]) == []
    tracks = pipeline.cameras["cam9"].tracker.tracks
    assert [t.id for t in tracks] == [obj.track_id]
    assert tracks[0].last_seen == 101.0

    before = dropped("cam9")
    clock[0] += 1.0
    assert pipeline.process([Frame("cam9", FRAME, meta, 2.5)]) == []  # older than the last
    assert dropped("cam9") == before + 1
    # The stale frame did not touch the tracks.
    assert pipeline.cameras["cam9"].tracker.tracks[0].last_seen == 101.0


def test_a_large_snapshot_is_decoded_scaled_down_and_gives_the_same_alert(tmp_path: Path) -> None:
    """A 1280x1280 snapshot is decoded at 640x640 (libjpeg's 1/2 scale): the person is found in
    the same place as in the 512x512 original and the thumbnail is still 640 px wide."""
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(FRAME, np.uint8), cv2.IMREAD_COLOR)
    large = cv2.imencode(".jpg", cv2.resize(image, (1280, 1280), interpolation=cv2.INTER_CUBIC))[
        1
    ].tobytes()
    cameras = [
        {
            "id": cam,
            "zones": [{"id": "all", "polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}],
            "rules": [{"type": "intrusion", "zone": "all"}],
        }
        for cam in ("small", "large")
    ]
    cfg = edge_config(tmp_path, 1883, "http://127.0.0.1:9", cameras=cameras)
    pipeline = DetectionPipeline(
        cfg,
        load_detector(cfg.detector.model, None, 1),
        AlertSink("c1", Outbox(tmp_path / "o.db", 1 << 24)),
    )
    [small] = pipeline.process([Frame("small", FRAME, SnapshotMeta(), 1.0)])
    [big] = pipeline.process([Frame("large", large, SnapshotMeta(), 1.0)])
    [a], [b] = small.objects, big.objects
    assert a.label == b.label == "person"
    assert max(abs(x - y) for x, y in zip(a.box, b.box, strict=True)) < 0.03
    assert big.snapshot_jpeg_b64 is not None
    thumb = cv2.imdecode(
        np.frombuffer(base64.b64decode(big.snapshot_jpeg_b64), np.uint8), cv2.IMREAD_COLOR
    )
    # The 640x640 picture, with the legend strip under it.
    assert thumb.shape[1] == 640 and 640 < thumb.shape[0] <= 640 + 60
