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


def _candidate_table() -> npt.NDArray[np.int32]:
    """Where to try a label, best first, as coefficients of (x1, x2, w, half, y1, y2, h) for its
    top-left corner (box x1..x2, y1..y2; label w x h; half = w // 2): above the box, inside its
    top, below it, beside it, then further away in growing rings."""
    rows = [
        (1, 0, 0, 0, 1, 0, -1),  # above, left-aligned: where people look for a box's label
        (0, 1, -1, 0, 1, 0, -1),  # above, right-aligned
        (1, 0, 0, 0, 1, 0, 0),  # inside the box's top
        (1, 0, 0, 0, 0, 1, 0),  # below
        (0, 1, -1, 0, 0, 1, 0),
        (0, 1, 0, 0, 1, 0, 0),  # beside, at the top
        (1, 0, -1, 0, 1, 0, 0),
    ]
    for k in range(1, _RINGS + 1):
        rows += [
            (1, 0, 0, 0, 1, 0, -1 - k),  # further above
            (1, 0, 0, 0, 0, 1, k),  # further below
            (1, 0, 0, -k, 1, 0, -1),  # above, moved left or right
            (1, 0, 0, k, 1, 0, -1),
            (1, 0, 0, -k, 1, 0, -1 - k),
            (1, 0, 0, k, 1, 0, -1 - k),
            (1, 0, 0, -k, 0, 1, k),
            (1, 0, 0, k, 0, 1, k),
        ]
    return np.array(rows, np.int32)


_TABLE = _candidate_table()


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
    n = len(boxes)
    if len(sizes) != n:
        raise ValueError("one size per box")
    if n == 0:
        return []
    b = np.array(boxes, np.int32).reshape(n, 4)
    wh = np.array(sizes, np.int32).reshape(n, 2)
    w, h = wh[:, 0:1], wh[:, 1:2]
    t = _TABLE
    # Every candidate of every label at once (n x candidates); only the check against labels
    # already placed has to run one label after another.
    x = t[:, 0] * b[:, 0:1] + t[:, 1] * b[:, 2:3] + t[:, 2] * w + t[:, 3] * np.maximum(1, w // 2)
    y = t[:, 4] * b[:, 1:2] + t[:, 5] * b[:, 3:4] + t[:, 6] * h
    # Clamped into the picture: a label at the edge slides along it instead of leaving.
    x = np.minimum(np.maximum(x, 0), width - w)
    y = np.minimum(np.maximum(y, 0), height - h)
    cand = np.stack([x, y, x + w, y + h], axis=2)  # n x c x 4
    cost = np.broadcast_to(np.arange(t.shape[0], dtype=float), x.shape).copy()
    a = np.array(avoid, np.int32).reshape(-1, 4)
    if len(a):
        ix = np.minimum(cand[:, :, None, 2], a[:, 2]) - np.maximum(cand[:, :, None, 0], a[:, 0])
        iy = np.minimum(cand[:, :, None, 3], a[:, 3]) - np.maximum(cand[:, :, None, 1], a[:, 1])
        area = np.maximum(ix, 0) * np.maximum(iy, 0)  # n x c x avoid
        own = (a[None, :, :] == b[:, None, :]).all(axis=2)  # its own box does not count
        area = np.where(own[:, None, :], 0, area)
        # Nearer places come first, but covering another box with a whole label costs as much
        # as moving _COVER_COST places further out.
        cost += _COVER_COST * area.sum(axis=2) / (w * h)
    fits = (wh[:, 0] > 0) & (wh[:, 1] > 0) & (wh[:, 0] <= width) & (wh[:, 1] <= height)
    placed = np.empty((n, 4), np.int32)
    count = 0
    result: list[Rect | None] = []
    for i in range(n):
        if not fits[i]:
            result.append(None)
            continue
        c, k = cand[i], cost[i]
        if count:
            p = placed[:count]
            hit = (
                (c[:, None, 0] < p[:, 2])
                & (p[:, 0] < c[:, None, 2])
                & (c[:, None, 1] < p[:, 3])
                & (p[:, 1] < c[:, None, 3])
            ).any(axis=1)
            k = np.where(hit, np.inf, k)
        best = int(np.argmin(k))
        if not np.isfinite(k[best]):
            result.append(None)
            continue
        placed[count] = c[best]
        count += 1
        result.append((int(c[best, 0]), int(c[best, 1]), int(c[best, 2]), int(c[best, 3])))
    return result
