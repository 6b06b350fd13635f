"""Zones and privacy masks in normalised image coordinates (0..1, origin top-left)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

Point = tuple[float, float]


def point_in_polygon(x: float, y: float, polygon: Sequence[Point]) -> bool:
    """Even-odd ray casting; points on an edge count as inside for horizontal edges only,
    which is fine for zones drawn by people."""
    inside = False
    n = len(polygon)
    j = n - 1
    for i in range(n):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        if (yi > y) != (yj > y):
            x_cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < x_cross:
                inside = not inside
        j = i
    return inside


def anchor(box: tuple[float, float, float, float]) -> Point:
    """Where an object stands: the bottom centre of its box (a person's feet, a car's wheels),
    so a head poking over a fence line does not count as inside the zone."""
    x1, _, x2, y2 = box
    return ((x1 + x2) / 2, y2)


def apply_masks(image: npt.NDArray[np.uint8], masks: Sequence[Sequence[Point]]) -> None:
    """Black out privacy masks in place, before detection, storage or sending."""
    if not masks:
        return
    h, w = image.shape[:2]
    polys = [np.array([[round(x * w), round(y * h)] for x, y in m], np.int32) for m in masks]
    cv2.fillPoly(image, polys, (0, 0, 0))
