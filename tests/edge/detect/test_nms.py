"""Non-maximum suppression matches the plain greedy definition, class by class."""

from __future__ import annotations

import numpy as np
import pytest

from anju_edge.detect.decoders import nms


def greedy(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float) -> list[int]:
    order = sorted(range(len(boxes)), key=lambda i: -scores[i])
    kept: list[int] = []
    for i in order:
        if all(classes[i] != classes[k] or overlap(boxes[i], boxes[k]) <= iou for k in kept):
            kept.append(i)
    return kept


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union)


@pytest.mark.parametrize("seed", range(30))
def test_matches_the_greedy_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    xy = rng.uniform(0, 400, (n, 2)).astype(np.float32)
    wh = rng.uniform(5, 80, (n, 2)).astype(np.float32)
    boxes = np.concatenate([xy, xy + wh], axis=1)
    scores = rng.uniform(0.3, 1.0, n).astype(np.float32)
    classes = rng.integers(0, 3, n)
    for iou in (0.3, 0.6):
        assert nms(boxes, scores, classes, iou).tolist() == greedy(boxes, scores, classes, iou)


def test_same_place_other_class_is_kept_and_empty_is_empty() -> None:
    box = np.array([[10, 10, 50, 90], [12, 10, 52, 90]], np.float32)
    scores = np.array([0.9, 0.8], np.float32)
    assert nms(box, scores, np.array([0, 0]), 0.5).tolist() == [0]
    assert nms(box, scores, np.array([0, 2]), 0.5).tolist() == [0, 1]
    empty = np.zeros((0, 4), np.float32)
    assert nms(empty, np.zeros(0, np.float32), np.zeros(0, np.int64), 0.5).tolist() == []
