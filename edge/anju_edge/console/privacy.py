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


# GB 11643: 17 digits and a check character (0-9 or X) computed from them.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID = re.compile(r"^\d{17}[\dX]$")


def valid_id_number(number: str) -> bool:
    """An 18-character resident ID number whose check character is right."""
    text = number.strip().upper()
    if not _ID.match(text):
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == text[17]


def id_last4(number: str) -> str:
    """What the box keeps of an ID number: its last four characters."""
    return number.strip().upper()[-4:]


def mask_id(last4: str) -> str:
    """The ID number as shown: ****1234 (empty when none was given)."""
    return f"****{last4}" if last4 else ""
