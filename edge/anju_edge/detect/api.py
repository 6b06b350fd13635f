"""The detector interface (the idea of Frigate's detection_api).

A detector takes decoded BGR images and returns detections in each image's own pixels. The one
implementation is the ONNX Runtime detector, made by `onnx_detector.load_detector`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Detection:
    label: str
    score: float
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def area(self) -> float:
        return max(0.0, self.x2 - self.x1) * max(0.0, self.y2 - self.y1)


@dataclass(frozen=True, slots=True)
class Prepared:
    """An image made ready for the model (e.g. letterboxed tensor) plus what maps boxes back."""

    tensor: npt.NDArray[np.float32]
    mapping: object
    width: int
    height: int


class Detector(ABC):
    """Two stages, so a pipeline can prepare the next frames while the model runs."""

    labels: list[str]
    # Images one model run takes at most (models exported with a fixed batch of 1 take one).
    max_batch: int = 1
    # (width, height) every image is scaled to fit before the model; None if the detector
    # wants images at their full size. The pipeline decodes large JPEGs scaled down to it.
    input_size: tuple[int, int] | None = None

    @abstractmethod
    def prepare(self, image: Image) -> Prepared:
        """CPU work before the model (resize, normalise); safe to run on another thread."""

    @abstractmethod
    def run(self, prepared: Sequence[Prepared], min_score: float) -> list[list[Detection]]:
        """The model and decoding: one list of detections per image, best first."""

    def detect(self, images: Sequence[Image], min_score: float) -> list[list[Detection]]:
        return self.run([self.prepare(img) for img in images], min_score)
