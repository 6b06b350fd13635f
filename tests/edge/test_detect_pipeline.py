"""The pipeline with the real model: a person in an armed zone becomes one alert (cooldown per
track), and an older frame finishing late is dropped instead of moving the tracks back."""

from __future__ import annotations

import base64
from pathlib import Path

from prometheus_client import REGISTRY

from anju_contracts import SnapshotMeta
from anju_edge.alerts import AlertSink
from anju_edge.detect.onnx_detector import load_detector
from anju_edge.detect.pipeline import DetectionPipeline
from anju_edge.detect.slots import Frame
from anju_edge.outbox import Outbox
from tests.support.servers import edge_config

FRAME = (Path(__file__).resolve().parents[2] / "models" / "reference" / "camera.jpg").read_bytes()


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
