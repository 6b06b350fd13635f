"""A small IoU tracker: stable ids for objects across snapshots of one camera.

Snapshots arrive at 1-5 fps, so objects move little between frames; greedy matching by IoU
within the same label is enough and cheap on a Raspberry Pi.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

Box = tuple[float, float, float, float]


def box_iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Observation:
    label: str
    score: float
    box: Box  # normalised 0..1


@dataclass(slots=True)
class Track:
    id: int
    label: str
    score: float
    box: Box
    first_seen: float
    last_seen: float
    hits: int = 1
    # zone id -> monotonic time the object's anchor entered it (for dwell rules)
    entered: dict[str, float] = field(default_factory=dict)


class Tracker:
    def __init__(self, min_iou: float = 0.3, max_age_s: float = 10.0) -> None:
        self.min_iou = min_iou
        self.max_age_s = max_age_s
        self.tracks: list[Track] = []
        self._ids = count(1)

    def update(self, observations: list[Observation], now: float) -> list[Track]:
        """Match, create and expire tracks; returns the tracks seen in this frame."""
        pairs = sorted(
            (
                (box_iou(t.box, o.box), ti, oi)
                for ti, t in enumerate(self.tracks)
                for oi, o in enumerate(observations)
                if t.label == o.label
            ),
            reverse=True,
        )
        used_t: set[int] = set()
        used_o: set[int] = set()
        seen: list[Track] = []
        for overlap, ti, oi in pairs:
            if overlap < self.min_iou:
                break
            if ti in used_t or oi in used_o:
                continue
            used_t.add(ti)
            used_o.add(oi)
            track, obs = self.tracks[ti], observations[oi]
            track.box, track.score, track.last_seen = obs.box, obs.score, now
            track.hits += 1
            seen.append(track)
        for oi, obs in enumerate(observations):
            if oi not in used_o:
                track = Track(next(self._ids), obs.label, obs.score, obs.box, now, now)
                self.tracks.append(track)
                seen.append(track)
        self.tracks = [t for t in self.tracks if now - t.last_seen <= self.max_age_s]
        return seen
