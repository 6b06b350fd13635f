"""Chinese civil licence plates: the ONE normalisation used by gateway, edge and simulator.

A plate read by a camera, typed by an officer or sent by a gate controller is reduced to one
canonical form before it is stored or compared: no separators ('·', '•', '-', spaces), upper
case, full-width letters and digits folded to ASCII. ``赣A·D12345``, ``赣a d12345`` and
``赣ＡＤ１２３４５`` are all ``赣AD12345``.

Accepted patterns (GA 36 civil plates):
- ordinary 7 characters: province + issuing-office letter + 5 letters/digits, the last of which
  may be 挂 (trailer), 学 (learner), 警 (police), 港/澳 (cross-border) or 领 (consulate);
- new-energy (green) 8 characters: province + letter + ``D``/``F``-style energy letter + 5
  (small cars: energy letter first, e.g. 赣AD12345; large vehicles: energy letter last,
  e.g. 粤B12345D);
- embassy plates: 使 + 6 digits.
Letters I and O are never issued in the serial (they read as 1 and 0).
"""

from __future__ import annotations

import re
import unicodedata

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SERIAL = "A-HJ-NP-Z0-9"  # no I or O
_ENERGY = "A-HJK"  # 2021 scheme: D/F first issued, A-K (without I) reserved for new energy

_PATTERNS = (
    re.compile(rf"^[{PROVINCES}][A-Z][{_SERIAL}]{{4}}[{_SERIAL}挂学警港澳领]$"),
    re.compile(rf"^[{PROVINCES}][A-Z][{_ENERGY}][{_SERIAL}][0-9]{{4}}$"),
    re.compile(rf"^[{PROVINCES}][A-Z][0-9]{{5}}[{_ENERGY}]$"),
    re.compile(r"^使[0-9]{6}$"),
)

# Separators people and cameras put between the region part and the serial.
_SEPARATORS = re.compile(r"[\s·•‧・\-_.．。]+")


class PlateError(ValueError):
    """The text is not a Chinese civil licence plate; the message says why."""


def normalise_plate(raw: str) -> str:
    """Return the canonical plate or raise :class:`PlateError`."""
    if not isinstance(raw, str):
        raise PlateError("plate must be text")
    # NFKC folds full-width ASCII (Ａ１) to ASCII and leaves Chinese characters alone.
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if not text:
        raise PlateError("plate is empty")
    if len(text) > 10:
        raise PlateError(f"plate too long ({len(text)} characters)")
    if text[0] not in PROVINCES and text[0] != "使":
        raise PlateError(f"plate must start with a province character, got {text[0]!r}")
    if not any(p.match(text) for p in _PATTERNS):
        raise PlateError(f"{text!r} is not a valid Chinese civil plate")
    return text


def try_normalise_plate(raw: str | None) -> str | None:
    """Canonical plate, or None for text that is not a plate (camera misreads)."""
    if raw is None:
        return None
    try:
        return normalise_plate(raw)
    except PlateError:
        return None


def is_new_energy(plate: str) -> bool:
    """True for green new-energy plates (8 characters)."""
    return len(normalise_plate(plate)) == 8


def display_plate(plate: str) -> str:
    """Canonical plate with the customary '·' after the region part: 赣A·D12345."""
    p = normalise_plate(plate)
    return p if p.startswith("使") else f"{p[:2]}·{p[2:]}"


_CREDENTIAL = re.compile(r"^[A-Z0-9][A-Z0-9:_\-]{0,63}$")


def normalise_credential(raw: str) -> str:
    """Card or face ids compare case-insensitively (readers print hex either way)."""
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    if not _CREDENTIAL.match(text):
        raise PlateError("credential id must be 1-64 letters, digits, ':', '_' or '-' (no spaces)")
    return text
