"""Per-camera slots holding only the latest frame: newer replaces older, drops are counted.

Under overload the detector falls behind; keeping every frame would grow latency and memory
without bound, so a camera's unprocessed frame is simply replaced by its newest one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from anju_contracts import SnapshotMeta
from anju_edge.metrics import FRAMES_DROPPED


@dataclass(frozen=True, slots=True)
class Frame:
    camera_id: str
    jpeg: bytes
    meta: SnapshotMeta
    arrived: float
    # Already decoded (RTSP and HTTP sources, BGR): no JPEG round trip; jpeg is then empty.
    image: npt.NDArray[np.uint8] | None = None


class LatestFrameSlots:
    def __init__(self) -> None:
        self._frames: dict[str, Frame] = {}
        self._cond = threading.Condition()
        self._closed = False

    def put(self, frame: Frame) -> None:
        """Called on paho's thread: constant time, never blocks on the detector."""
        with self._cond:
            if frame.camera_id in self._frames:
                FRAMES_DROPPED.labels(camera=frame.camera_id).inc()
            self._frames[frame.camera_id] = frame
            self._cond.notify()

    def take_all(self, timeout: float) -> list[Frame]:
        """Every waiting frame (one per camera), so several cameras can be batched."""
        with self._cond:
            if not self._frames and not self._closed:
                self._cond.wait(timeout)
            frames = list(self._frames.values())
            self._frames.clear()
            return frames

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
