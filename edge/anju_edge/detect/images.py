"""JPEG checks before decoding: size, magic and the dimensions the header claims.

A 2 KB JPEG can claim 20000x20000 pixels and make a decoder allocate 1.2 GB; on a 2 GB box that
is an outage, so the header is read first and such frames never reach OpenCV.
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from anju_contracts import PayloadError, RejectReason

# Start-of-frame markers that carry the image size (baseline, progressive, lossless, ...).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _bad(message: str) -> PayloadError:
    return PayloadError(RejectReason.bad_image, message)


def jpeg_dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) from the first start-of-frame segment; PayloadError if there is none."""
    if len(data) < 4 or data[0:2] != b"\xff\xd8":
        raise _bad("not a JPEG (missing FFD8 start marker)")
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            raise _bad(f"corrupt JPEG: expected a marker at byte {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if marker == 0xD9 or marker == 0xDA:
            break  # end of image or start of scan before any frame header
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if length < 2:
            raise _bad("corrupt JPEG: bad segment length")
        if marker in _SOF:
            if i + 9 > n:
                break
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            if width == 0 or height == 0:
                raise _bad("JPEG claims a zero dimension")
            return width, height
        i += 2 + length
    raise _bad("truncated JPEG: no frame header")


# libjpeg scales while decoding (DCT scaling) by 1/2, 1/4 or 1/8: far less work than decoding
# every pixel and resizing after, and an area-like downscale rather than a skipping one.
_REDUCED = {
    1: cv2.IMREAD_COLOR,
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}


def reduction_for(width: int, height: int, fit: tuple[int, int], min_width: int = 0) -> int:
    """The largest JPEG scale-down (1, 2, 4 or 8) that loses nothing a consumer needs.

    ``fit`` is the box the image is later scaled to fit into (the model's input): the decoded
    image must stay at least as large as it will be drawn there. ``min_width`` is the widest
    picture made from it (the alert thumbnail).
    """
    r = min(fit[0] / width, fit[1] / height, 1.0)
    need_w = max(width * r, min(min_width, width))
    need_h = height * r
    for factor in (8, 4, 2):
        if -(-width // factor) >= need_w and -(-height // factor) >= need_h:
            return factor
    return 1


def decode_jpeg(
    data: bytes,
    max_bytes: int,
    max_pixels: int,
    fit: tuple[int, int] | None = None,
    min_width: int = 0,
) -> npt.NDArray[np.uint8]:
    """BGR image, or PayloadError (too_large / bad_image) without ever over-allocating.

    With ``fit``, a large JPEG is decoded scaled down as far as :func:`reduction_for` allows
    (a 1920x1080 snapshot for a 416x416 model and 640 px thumbnails: 960x540).
    """
    if not data:
        raise _bad("empty snapshot")
    if len(data) > max_bytes:
        raise PayloadError(RejectReason.too_large, f"{len(data)} bytes > limit {max_bytes}")
    width, height = jpeg_dimensions(data)
    if width * height > max_pixels:
        raise PayloadError(
            RejectReason.too_large, f"JPEG claims {width}x{height} > limit of {max_pixels} pixels"
        )
    factor = 1 if fit is None else reduction_for(width, height, fit, min_width)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), _REDUCED[factor])
    if image is None:
        raise _bad("corrupt JPEG: OpenCV could not decode it")
    if image.shape[1] != -(-width // factor) or image.shape[0] != -(-height // factor):
        raise _bad("JPEG header and decoded size disagree")
    return cast(npt.NDArray[np.uint8], image)
