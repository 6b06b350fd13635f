"""The detector interface and its registry (the idea of Frigate's detection_api).

A detector takes decoded BGR images and returns detections in each image's own pixels. Plugins
register under a key; a plugin whose runtime is missing is logged and skipped, not fatal.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

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


_REGISTRY: dict[str, Callable[..., Detector]] = {}


def register(key: str) -> Callable[[Callable[..., Detector]], Callable[..., Detector]]:
    def add(factory: Callable[..., Detector]) -> Callable[..., Detector]:
        _REGISTRY[key] = factory
        return factory

    return add


def create_detector(key: str, **kwargs: object) -> Detector:
    if key not in _REGISTRY:
        # Import the built-in plugins lazily so a missing runtime fails only its own plugin.
        try:
            import anju_edge.detect.onnx_detector  # noqa: F401
        except ImportError as exc:
            logger.error("onnx detector unavailable: %s", exc)
    try:
        factory = _REGISTRY[key]
    except KeyError:
        raise KeyError(f"no detector {key!r}; known: {', '.join(sorted(_REGISTRY))}") from None
    return factory(**kwargs)
