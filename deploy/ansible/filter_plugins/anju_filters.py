"""Filters of the Anju installer: Mosquitto password hashes and the edge config document."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

# mosquitto_passwd's defaults (Mosquitto 2): PBKDF2-HMAC-SHA512, 101 iterations, 12-byte salt.
_ITERATIONS = 101
_SALT_BYTES = 12
# Keys of the inventory's device entries that belong to the installer, not to the edge config.
_INSTALLER_KEYS = frozenset({"mqtt_password"})


def mosquitto_hash(password: str, seed: str) -> str:
    """A `$7$` hash mosquitto accepts in its password_file.

    The salt is derived from `seed` (host and user) and the password instead of being random,
    so re-running the installer writes the same file and reports no change; it still differs
    per box and per user, and changes whenever the password does.
    """
    if not password:
        raise ValueError(f"empty MQTT password for {seed}")
    salt = hashlib.sha256(f"anju-mqtt:{seed}:{password}".encode()).digest()[:_SALT_BYTES]
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS)
    salt_b64 = base64.b64encode(salt).decode()
    return f"$7${_ITERATIONS}${salt_b64}${base64.b64encode(digest).decode()}"


def anju_without_installer_keys(devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Device entries as the edge config wants them (the MQTT password stays in passwd)."""
    return [{k: v for k, v in dict(d).items() if k not in _INSTALLER_KEYS} for d in devices]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "anju_mosquitto_hash": mosquitto_hash,
            "anju_without_installer_keys": anju_without_installer_keys,
        }
