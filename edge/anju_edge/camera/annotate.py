"""Annotated pictures: boxes and zones drawn, then a thumbnail that fits the 60 KB budget."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from anju_contracts.alert import MAX_THUMBNAIL_BYTES
from anju_edge.detect.api import Detection

Image = npt.NDArray[np.uint8]

RED = (40, 40, 230)
AMBER = (0, 190, 255)
GREEN = (60, 200, 60)


def draw_detections(
    image: Image, detections: Sequence[Detection], highlight: Sequence[Detection] = ()
) -> Image:
    out = image.copy()
    thick = max(2, round(max(out.shape[:2]) / 400))
    for d in detections:
        colour = RED if d in highlight else GREEN
        p1, p2 = (round(d.x1), round(d.y1)), (round(d.x2), round(d.y2))
        cv2.rectangle(out, p1, p2, colour, thick)
        text = f"{d.label} {d.score:.2f}"
        cv2.putText(
            out,
            text,
            (p1[0], max(12, p1[1] - 4)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.4 * thick,
            colour,
            max(1, thick - 1),
            cv2.LINE_AA,
        )
    return out


def draw_zone(image: Image, polygon: Sequence[tuple[float, float]]) -> Image:
    h, w = image.shape[:2]
    pts = np.array([[round(x * w), round(y * h)] for x, y in polygon], np.int32)
    overlay = image.copy()
    cv2.fillPoly(overlay, [pts], AMBER)
    out = cast(Image, cv2.addWeighted(overlay, 0.18, image, 0.82, 0))
    cv2.polylines(out, [pts], True, AMBER, max(1, round(max(h, w) / 500)), cv2.LINE_AA)
    return out


THUMBNAIL_MAX_WIDTH = 640


def thumbnail_jpeg(image: Image, max_bytes: int = MAX_THUMBNAIL_BYTES) -> bytes:
    """Largest-looking JPEG under the budget: shrink to 640 px wide, then lower the quality,
    then the size, until it fits."""
    h, w = image.shape[:2]
    width = min(THUMBNAIL_MAX_WIDTH, w)
    quality = 80
    while True:
        scaled = (
            image
            if width == w
            else cv2.resize(
                image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA
            )
        )
        ok, buf = cv2.imencode(".jpg", scaled, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and len(buf) <= max_bytes:
            return bytes(buf)
        if quality > 40:
            quality -= 10
        elif width > 32:
            width = max(32, int(width * 0.75))
        elif quality > 20:
            quality = 20
        else:  # a budget no picture fits: say so rather than loop forever
            raise ValueError(f"no JPEG fits in {max_bytes} bytes")
