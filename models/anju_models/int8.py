"""INT8 NanoDet: static QDQ quantization with per-channel weights, and its data split.

The split (written down in models/README.md):

- calibration: the simulator's media (firmware-sim/anju_sim/media/*.jpg) and the reference
  images except ``vtest_0400.jpg``;
- held-out test: ``vtest_0400.jpg`` from reference/ and every picture in models/heldout/
  (25 later frames of the same ``vtest.avi`` and 5 other OpenCV sample pictures). These are never
  fed to calibration; :func:`calibration_images` refuses them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from anju_edge.detect.manifest import ModelEntry

logger = logging.getLogger(__name__)

REFERENCE_TEST = ("vtest_0400.jpg",)
# tf2onnx turns NanoDet's max-pool padding into a Pad with -inf: calibrating it gives an
# infinite scale that poisons the next convolution's bias. Both stay in float.
EXCLUDED_NODES = ("PartitionedCall/PadV2", "PartitionedCall/MaxPool2d")


def sim_media_dir() -> Path:
    import anju_sim

    return Path(anju_sim.__file__).resolve().parent / "media"


def held_out_images(models_dir: Path) -> list[Path]:
    """The test set: never calibrated on."""
    reference = [models_dir / "reference" / name for name in REFERENCE_TEST]
    return reference + sorted((models_dir / "heldout").glob("*.jpg"))


def calibration_images(models_dir: Path) -> list[Path]:
    media = sorted(sim_media_dir().glob("*.jpg"))
    reference = [
        p for p in sorted((models_dir / "reference").glob("*.jpg")) if p.name not in REFERENCE_TEST
    ]
    images = media + reference
    held = {p.resolve() for p in held_out_images(models_dir)}
    leaked = [p for p in images if p.resolve() in held]
    if leaked:
        raise ValueError(f"calibration would include held-out images: {leaked}")
    return images


def input_tensor(entry: ModelEntry, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """The model's input for one picture, prepared exactly as the edge prepares it."""
    from anju_edge.detect.preprocess import letterbox

    spec = entry.input
    tensor, _ = letterbox(
        image,
        (spec.width, spec.height),
        spec.mean,
        spec.std,
        spec.scale,
        spec.letterbox_pad,
        rgb=spec.channels_order == "RGB",
    )
    return tensor[None]


def _reader(entry: ModelEntry, images: list[Path]):  # type: ignore[no-untyped-def]
    from onnxruntime.quantization import CalibrationDataReader

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._it: Iterator[Path] = iter(images)

        def get_next(self) -> dict[str, npt.NDArray[np.float32]] | None:
            path = next(self._it, None)
            if path is None:
                return None
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise ValueError(f"cannot read calibration image {path}")
            return {entry.input.name: input_tensor(entry, image)}

    return Reader()


def quantize(entry: ModelEntry, models_dir: Path, out: Path, work: Path) -> list[Path]:
    """Write the INT8 QDQ model of ``entry`` to ``out``; returns the calibration images."""
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    images = calibration_images(models_dir)
    pre = work / "pre.onnx"
    # Shapes are static; ONNX shape inference and graph clean-up are enough (no sympy).
    quant_pre_process(str(models_dir / entry.file), str(pre), skip_symbolic_shape=True)
    quantize_static(
        str(pre),
        str(out),
        _reader(entry, images),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
        nodes_to_exclude=list(EXCLUDED_NODES),
    )
    logger.info("quantized %s on %d images into %s", entry.name, len(images), out)
    return images
