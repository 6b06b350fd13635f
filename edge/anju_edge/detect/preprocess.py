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
    """BGR uint8 HxWx3 in; normalised float32 3xHxW (model order) out."""
    width, height = size
    h, w = image.shape[:2]
    r = min(width / w, height / h)
    nw, nh = max(1, round(w * r)), max(1, round(h * r))
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    pad_x, pad_y = (width - nw) // 2, (height - nh) // 2
    canvas = cv2.copyMakeBorder(
        resized,
        pad_y,
        height - nh - pad_y,
        pad_x,
        width - nw - pad_x,
        cv2.BORDER_CONSTANT,
        value=(pad_value, pad_value, pad_value),
    )
    # (pixel * scale - mean) / std == (pixel - mean / scale) * (scale / std): OpenCV's blob
    # does the subtraction and the HWC -> CHW copy in C++, then one multiply per channel.
    mean_px = tuple(float(m) / scale for m in mean)
    blob = cv2.dnn.blobFromImage(canvas, 1.0, (width, height), mean_px, swapRB=rgb, crop=False)
    tensor = blob[0]
    tensor *= (scale / np.asarray(std, np.float32))[:, None, None]
    return tensor, Letterbox(r, pad_x, pad_y)
