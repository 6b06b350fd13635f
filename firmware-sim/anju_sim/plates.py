"""Chinese civil plates for simulated traffic: blue (7 characters) and green new-energy (8)."""

from __future__ import annotations

import random

from anju_contracts.plates import normalise_plate

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates
DIGITS = "0123456789"


def random_plate(rng: random.Random, green_share: float = 0.3) -> str:
    """A valid plate, normalised (e.g. 赣A12345 or 赣AD12345)."""
    head = rng.choice(PROVINCES) + rng.choice(LETTERS)
    if rng.random() < green_share:
        # Small new-energy cars: D (electric) or F (hybrid), then five characters.
        tail = (
            rng.choice("DF")
            + rng.choice(LETTERS + DIGITS)
            + "".join(rng.choice(DIGITS) for _ in range(4))
        )
    else:
        tail = "".join(rng.choice(LETTERS + DIGITS) for _ in range(5))
    return normalise_plate(head + tail)
