"""Bad snapshots are refused before decoding, counted, and never crash or bloat the edge."""

from __future__ import annotations

import resource
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest
from prometheus_client import REGISTRY

from anju_contracts import PayloadError, RejectReason, SnapshotMeta
from anju_edge.detect.images import decode_jpeg, jpeg_dimensions, reduction_for

REF = Path(__file__).resolve().parents[3] / "models" / "reference"
GOOD = (REF / "vtest_0000.jpg").read_bytes()
MAX_BYTES = 4 * 1024 * 1024
MAX_PIXELS = 4096 * 4096


def huge_header_jpeg(width: int = 20000, height: int = 20000) -> bytes:
    """A tiny valid-looking JPEG whose frame header claims an enormous size."""
    _, buf = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))
    data = bytearray(buf.tobytes())
    i = data.find(b"\xff\xc0")
    data[i + 5 : i + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_bytes() -> bytes:
    _, buf = cv2.imencode(".png", np.zeros((16, 16, 3), np.uint8))
    return buf.tobytes()


BAD = {
    "empty": (b"", RejectReason.bad_image),
    "corrupt": (b"\xff\xd8" + bytes(range(256)) * 4, RejectReason.bad_image),
    "truncated": (GOOD[: len(GOOD) // 3], RejectReason.bad_image),
    "png-instead-of-jpeg": (png_bytes(), RejectReason.bad_image),
    "50MB": (b"\xff\xd8" + b"\0" * (50 * 1024 * 1024), RejectReason.too_large),
    "20000x20000-header": (huge_header_jpeg(), RejectReason.too_large),
    "random": (np.random.default_rng(1).bytes(5000), RejectReason.bad_image),
}


def test_good_jpeg_decodes() -> None:
    image = decode_jpeg(GOOD, MAX_BYTES, MAX_PIXELS)
    assert image.shape == (576, 768, 3)
    assert jpeg_dimensions(GOOD) == (768, 576)


def jpeg_of_size(width: int, height: int) -> bytes:
    image = cv2.resize(
        cv2.imdecode(np.frombuffer(GOOD, np.uint8), cv2.IMREAD_COLOR), (width, height)
    )
    return cv2.imencode(".jpg", image)[1].tobytes()


@pytest.mark.parametrize(
    "size,decoded",
    [
        ((768, 576), (768, 576)),  # already near the model's size: decoded whole
        ((1280, 720), (640, 360)),  # halved: still 640 wide for the thumbnail
        ((1920, 1080), (960, 540)),
        ((1921, 1081), (961, 541)),  # libjpeg rounds up
        ((3840, 2160), (960, 540)),  # a quarter
        ((1000, 3000), (1000, 3000)),  # portrait: halving would make the thumbnail < 640 wide
        ((1600, 4800), (800, 2400)),
    ],
)
def test_large_snapshots_decode_scaled_down_as_far_as_model_and_thumbnail_allow(
    size: tuple[int, int], decoded: tuple[int, int]
) -> None:
    image = decode_jpeg(jpeg_of_size(*size), MAX_BYTES, MAX_PIXELS, fit=(416, 416), min_width=640)
    assert (image.shape[1], image.shape[0]) == decoded
    # Never below what the model's letterbox draws it at, nor the thumbnail's width.
    r = min(416 / size[0], 416 / size[1])
    assert image.shape[1] >= min(size[0], max(640, size[0] * r))
    assert image.shape[0] >= size[1] * r
    # Without a fit, every pixel is decoded.
    assert decode_jpeg(jpeg_of_size(*size), MAX_BYTES, MAX_PIXELS).shape[:2] == size[::-1]


def test_reduction_never_goes_below_the_fit() -> None:
    assert reduction_for(640, 480, (416, 416)) == 1
    assert reduction_for(832, 832, (416, 416)) == 2
    assert reduction_for(833, 833, (416, 416)) == 2  # 417 >= 416
    assert reduction_for(3328, 3328, (416, 416)) == 8
    assert reduction_for(3328, 3328, (416, 416), min_width=640) == 4


@pytest.mark.parametrize("name", list(BAD))
def test_bad_snapshots_are_refused(name: str) -> None:
    payload, reason = BAD[name]
    with pytest.raises(PayloadError) as info:
        decode_jpeg(payload, MAX_BYTES, MAX_PIXELS)
    assert info.value.reason is reason


def rejected(reason: str) -> float:
    return REGISTRY.get_sample_value("anju_edge_rejected_messages_total", {"reason": reason}) or 0.0


def test_pipeline_survives_bad_frames_with_flat_memory(tmp_path: Path) -> None:
    from anju_edge.alerts import AlertSink
    from anju_edge.camera.pipeline import DetectionPipeline
    from anju_edge.camera.slots import Frame
    from anju_edge.delivery.outbox import Outbox
    from tests.support.servers import edge_config

    class NoModel:
        labels: tuple[str, ...] = ()
        input_size = None

        def prepare(self, image):  # type: ignore[no-untyped-def]
            return image

        def run(self, prepared, min_score):  # type: ignore[no-untyped-def]
            return [[] for _ in prepared]

    cfg = edge_config(
        tmp_path,
        1883,
        "http://127.0.0.1:9",
        cameras=[
            {
                "id": "cam1",
                "zones": [{"id": "z", "polygon": [[0, 0], [1, 0], [1, 1]]}],
                "rules": [{"type": "intrusion", "zone": "z"}],
            }
        ],
    )
    pipeline = DetectionPipeline(
        cfg, NoModel(), AlertSink("c1", Outbox(tmp_path / "o.db", 1 << 24))
    )  # type: ignore[arg-type]
    before = {r: rejected(r) for r in ("bad_image", "too_large")}
    meta = SnapshotMeta()
    # Warm up allocator caches, then measure peak RSS over many bad frames.
    for payload, _ in BAD.values():
        pipeline.process([Frame("cam1", payload, meta, 0.0)])
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(20):
        for payload, _ in BAD.values():
            assert pipeline.process([Frame("cam1", payload, meta, 0.0)]) == []
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert peak_after - peak_before < 20 * 1024  # KiB: no 1.2 GB decode ever happened
    assert rejected("bad_image") - before["bad_image"] == 21 * 5
    assert rejected("too_large") - before["too_large"] == 21 * 2
