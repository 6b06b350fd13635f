"""Rebuild firmware-sim/anju_sim/media/ from real footage (see media/PROVENANCE.md).

Needs Debian's opencv-doc (vtest.avi), OpenCV in the project venv and,
for the motorbike, scikit-image in a throwaway venv:

    python3 -m venv /tmp/skv && /tmp/skv/bin/pip install scikit-image
    /tmp/skv/bin/python -c "import numpy, skimage; numpy.save('/tmp/moto.npy',
        skimage.data.stereo_motorcycle()[0])"
    .venv/bin/python firmware-sim/tools/make_media.py /tmp/moto.npy
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

DATA = Path("/usr/share/doc/opencv-doc/examples/data")
OUT = Path(__file__).resolve().parents[1] / "anju_sim" / "media"
Q = [cv2.IMWRITE_JPEG_QUALITY, 90]


def vtest_frames(indices: set[int]) -> dict[int, np.ndarray]:
    cap = cv2.VideoCapture(str(DATA / "vtest.avi"))
    frames: dict[int, np.ndarray] = {}
    i = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i in indices:
            frames[i] = frame
        i += 1
    cap.release()
    return frames


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    every = set(range(0, 795, 5))
    frames = vtest_frames(every | {0, 200})
    # Pedestrians keep moving, so the per-pixel temporal median is the empty plaza.
    stack = np.stack([frames[i] for i in sorted(every) if i in frames])
    empty = np.median(stack, axis=0).astype(np.uint8)
    cv2.imwrite(str(OUT / "plaza-empty.jpg"), empty, Q)
    cv2.imwrite(str(OUT / "plaza.jpg"), frames[200], Q)
    cv2.imwrite(str(OUT / "plaza-early.jpg"), frames[0], Q)
    if len(sys.argv) > 1:
        rgb = np.load(sys.argv[1])
        moto = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(OUT / "motorbike.jpg"), moto, Q)


if __name__ == "__main__":
    main()
