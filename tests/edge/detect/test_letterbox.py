"""The letterbox: scale to fit keeping the aspect ratio, pad to the model's size, normalise per
channel into a 3xHxW float tensor — checked against the plain definition, written the slow way."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from anju_edge.detect.preprocess import letterbox

NANODET = ((103.53, 116.28, 123.675), (57.375, 57.12, 58.395), 1.0)
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225), 1 / 255)


def plain(image, size, mean, std, scale, pad, rgb):  # type: ignore[no-untyped-def]
    width, height = size
    h, w = image.shape[:2]
    r = min(width / w, height / h)
    nw, nh = max(1, round(w * r)), max(1, round(h * r))
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    px, py = (width - nw) // 2, (height - nh) // 2
    canvas = np.full((height, width, 3), pad, np.float64)
    canvas[py : py + nh, px : px + nw] = resized
    if rgb:
        canvas = canvas[:, :, ::-1]
    out = (canvas * scale - np.asarray(mean)) / np.asarray(std)
    return out.transpose(2, 0, 1), (r, px, py)


@pytest.mark.parametrize("shape", [(576, 768), (768, 576), (300, 300), (1080, 1920), (7, 5)])
@pytest.mark.parametrize("size", [(416, 416), (640, 384)])
@pytest.mark.parametrize("norm", [NANODET, IMAGENET])
@pytest.mark.parametrize(("pad", "rgb"), [(0, False), (114, True)])
def test_letterbox_matches_the_plain_definition(shape, size, norm, pad, rgb) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(sum(shape))
    image = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    mean, std, scale = norm
    tensor, mapping = letterbox(image, size, mean, std, scale, pad, rgb)
    expected, (r, px, py) = plain(image, size, mean, std, scale, pad, rgb)
    assert tensor.dtype == np.float32 and tensor.shape == (3, size[1], size[0])
    assert (mapping.scale, mapping.pad_x, mapping.pad_y) == (r, px, py)
    np.testing.assert_allclose(tensor, expected, rtol=1e-5, atol=1e-4)
