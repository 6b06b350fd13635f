"""How far a candidate model (INT8) agrees with a reference model (fp32) on real frames.

Recall: of the reference's confident detections (score >= ``confident``), the share the
candidate finds again with the same label at IoU >= ``match_iou`` (at the edge's default
``min_score``). Score shift: candidate score minus reference score over the matched pairs.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from anju_edge.detect.api import Detection, Detector, Image

CONFIDENT = 0.5  # the rules' default min_score: what can raise an alert
MATCH_IOU = 0.5


@dataclass
class Agreement:
    confident: int = 0
    found: int = 0
    shifts: list[float] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.confident if self.confident else 1.0

    @property
    def mean_shift(self) -> float:
        return statistics.fmean(self.shifts) if self.shifts else 0.0

    @property
    def mean_abs_shift(self) -> float:
        return statistics.fmean(abs(s) for s in self.shifts) if self.shifts else 0.0


def box_iou(a: Detection, b: Detection) -> float:
    ix = max(0.0, min(a.x2, b.x2) - max(a.x1, b.x1))
    iy = max(0.0, min(a.y2, b.y2) - max(a.y1, b.y1))
    inter = ix * iy
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0


def compare(
    reference: Sequence[Detection],
    candidate: Sequence[Detection],
    into: Agreement,
    name: str = "",
    confident: float = CONFIDENT,
    match_iou: float = MATCH_IOU,
) -> None:
    """Greedy one-to-one matching, most confident reference detection first."""
    free = list(candidate)
    for ref in sorted((d for d in reference if d.score >= confident), key=lambda d: -d.score):
        into.confident += 1
        best, best_iou = None, match_iou
        for cand in free:
            overlap = box_iou(ref, cand)
            if cand.label == ref.label and overlap >= best_iou:
                best, best_iou = cand, overlap
        if best is None:
            into.missed.append(f"{name}: {ref.label} {ref.score:.2f}")
            continue
        free.remove(best)
        into.found += 1
        into.shifts.append(best.score - ref.score)


def agreement(
    reference: Detector, candidate: Detector, images: Sequence[tuple[str, Image]], min_score: float
) -> Agreement:
    result = Agreement()
    for name, image in images:
        ref = reference.detect([image], min_score)[0]
        cand = candidate.detect([image], min_score)[0]
        compare(ref, cand, result, name)
    return result
