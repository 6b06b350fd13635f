"""Personal data is masked on screen and in logs (phone numbers, ID numbers, credentials)."""

from __future__ import annotations

import re

_PHONE = re.compile(r"^\+?\d{7,15}$")


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_credential(value: str | None) -> str | None:
    """Card and face ids: the first two and last two characters stay, e.g. C-****23."""
    if value is None:
        return None
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def valid_phone(phone: str) -> bool:
    return bool(_PHONE.match(phone.strip()))
