"""Where each label of an annotated picture goes: next to its box, inside the picture, and never
on another label. Pure geometry (integer pixel rectangles), so tests can check the promise
without drawing anything.

A rectangle is ``(x1, y1, x2, y2)`` with ``x2``/``y2`` exclusive: ``(0, 0, 10, 5)`` covers 10 x 5
pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Rect = tuple[int, int, int, int]

# How many label heights (and half-widths) the search moves away from the box when the places
# next to it are taken, before the label is left out.
_RINGS = 6
# What covering another object's box with a whole label weighs, in places further out.
_COVER_COST = 12.0


def overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(rect: Rect, width: int, height: int) -> bool:
    return rect[0] >= 0 and rect[1] >= 0 and rect[2] <= width and rect[3] <= height


def _candidates(box: Rect, w: int, h: int) -> list[tuple[int, int]]:
    """Top-left corners to try, best first: above the box, inside its top, below it, beside it,
    then further away in growing rings."""
    x1, y1, x2, y2 = box
    near = [
        (x1, y1 - h),  # above, left-aligned: where people look for a box's label
        (x2 - w, y1 - h),  # above, right-aligned
        (x1, y1),  # inside the box's top
        (x1, y2),  # below
        (x2 - w, y2),
        (x2, y1),  # beside, at the top
        (x1 - w, y1),
    ]
    far: list[tuple[int, int]] = []
    for k in range(1, _RINGS + 1):
        dy, dx = k * h, k * max(1, w // 2)
        far += [
            (x1, y1 - h - dy),
            (x1, y2 + dy),
            (x1 - dx, y1 - h),
            (x1 + dx, y1 - h),
            (x1 - dx, y1 - h - dy),
            (x1 + dx, y1 - h - dy),
            (x1 - dx, y2 + dy),
            (x1 + dx, y2 + dy),
        ]
    return near + far


def place_labels(
    boxes: Sequence[Rect],
    sizes: Sequence[tuple[int, int]],
    width: int,
    height: int,
    avoid: Sequence[Rect] = (),
) -> list[Rect | None]:
    """One rectangle per label (``sizes[i]`` is label i's width and height, for ``boxes[i]``),
    placed in the order given, so the most important labels go first.

    Every placed rectangle lies inside the ``width`` x ``height`` picture and overlaps no other
    placed rectangle. Among the free places, the nearest to the box that covers least of the
    ``avoid`` rectangles (the other objects' boxes; a label's own box does not count) is
    taken. A label with no free place within a few label sizes of its box is left out
    (``None``): its box is still drawn.
    """
    placed: list[Rect] = []
    result: list[Rect | None] = []
    others: npt.NDArray[np.int64] = np.array(list(avoid), np.int64).reshape(-1, 4)
    for box, (w, h) in zip(boxes, sizes, strict=True):
        if w <= 0 or h <= 0 or w > width or h > height:
            result.append(None)
            continue
        corners = np.array(_candidates(box, w, h), np.int64)
        # Clamped into the picture: a label at the edge slides along it instead of leaving.
        cx = np.clip(corners[:, 0], 0, width - w)
        cy = np.clip(corners[:, 1], 0, height - h)
        cand = np.stack([cx, cy, cx + w, cy + h], axis=1)
        free: npt.NDArray[np.bool_] = np.ones(len(cand), bool)
        if placed:
            p = np.array(placed, np.int64)
            hit = (
                (cand[:, None, 0] < p[None, :, 2])
                & (p[None, :, 0] < cand[:, None, 2])
                & (cand[:, None, 1] < p[None, :, 3])
                & (p[None, :, 1] < cand[:, None, 3])
            )
            free = np.logical_not(hit.any(axis=1))
        if not free.any():
            result.append(None)
            continue
        o = others[~(others == np.array(box, np.int64)).all(axis=1)]
        ix = np.clip(
            np.minimum(cand[:, None, 2], o[None, :, 2])
            - np.maximum(cand[:, None, 0], o[None, :, 0]),
            0,
            None,
        )
        iy = np.clip(
            np.minimum(cand[:, None, 3], o[None, :, 3])
            - np.maximum(cand[:, None, 1], o[None, :, 1]),
            0,
            None,
        )
        covered = (ix * iy).sum(axis=1) / float(w * h) if len(o) else np.zeros(len(cand))
        # Nearer places come first, but covering another box costs as much as moving
        # _COVER_COST places further out.
        cost = np.arange(len(cand), dtype=float) + _COVER_COST * covered
        cost[~free] = np.inf
        best = cand[int(np.argmin(cost))]
        rect: Rect = (int(best[0]), int(best[1]), int(best[2]), int(best[3]))
        placed.append(rect)
        result.append(rect)
    return result
