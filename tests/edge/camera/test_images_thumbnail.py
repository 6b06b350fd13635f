"""Alert thumbnails stay within the 60 KB budget, even for pictures JPEG cannot compress."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from anju_contracts.alert import MAX_THUMBNAIL_BYTES
from anju_edge.camera.annotate import draw_detections, draw_zone, thumbnail_jpeg
from anju_edge.detect.api import Detection

REF = Path(__file__).resolve().parents[3] / "models" / "reference"


def decoded(jpeg: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_noise_picture_is_shrunk_until_it_fits() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    jpeg = thumbnail_jpeg(noise)
    assert len(jpeg) <= MAX_THUMBNAIL_BYTES
    h, w = decoded(jpeg).shape[:2]
    assert w < 640 and abs(h / w - 0.75) < 0.02  # shrunk, proportions kept


def test_annotated_photo_keeps_640_px_and_shows_the_box() -> None:
    image = cv2.imread(str(REF / "vtest_0200.jpg"), cv2.IMREAD_COLOR)
    box = Detection("person", 0.9, 600.0, 200.0, 680.0, 360.0)
    drawn = draw_detections(
        draw_zone(image, [(0.7, 0.3), (0.95, 0.3), (0.95, 0.7), (0.7, 0.7)]), [box], [box]
    )
    jpeg = thumbnail_jpeg(drawn)
    assert len(jpeg) <= MAX_THUMBNAIL_BYTES
    thumb = decoded(jpeg)
    assert thumb.shape[1] == 640
    # The highlighted box is drawn in red (BGR) at its scaled place.
    s = 640 / image.shape[1]
    edge = thumb[round(280 * s), round(600 * s) - 1 : round(600 * s) + 2].astype(int)
    assert (edge[:, 2] > 150).any() and (edge[:, 0] < 120).all()


def test_impossible_budget_is_an_error_not_a_hang() -> None:
    with pytest.raises(ValueError, match="no JPEG fits"):
        thumbnail_jpeg(np.zeros((64, 64, 3), np.uint8), max_bytes=10)
