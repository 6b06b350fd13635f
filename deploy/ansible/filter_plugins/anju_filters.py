"""Filters of the Anju installer: Mosquitto password hashes, the edge config document and the
camera secrets files."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

# mosquitto_passwd's defaults (Mosquitto 2): PBKDF2-HMAC-SHA512, 101 iterations, 12-byte salt.
_ITERATIONS = 101
_SALT_BYTES = 12
# Keys of the inventory's device entries that belong to the installer, not to the edge config:
# the MQTT password goes into Mosquitto's passwd, a pulled camera's user and password into a
# secrets file on the box (mode 0600, owner anju) that the edge config only names.
_INSTALLER_KEYS = frozenset({"mqtt_password", "camera_username", "camera_password"})
_PULLED = ("rtsp", "http_snapshot")


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


def _source_type(camera: dict[str, Any]) -> str:
    return str((camera.get("source") or {}).get("type", "mqtt"))


def anju_mqtt_devices(devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The devices that log in to the box's broker: gates and MQTT cameras (not pulled ones)."""
    return [d for d in devices if _source_type(d) == "mqtt"]


def _secret_file(camera: dict[str, Any], secrets_dir: str) -> str:
    suffix = "cred" if _source_type(camera) == "rtsp" else "pass"
    return f"{secrets_dir}/{camera['id']}.{suffix}"


def anju_edge_cameras(cameras: list[dict[str, Any]], secrets_dir: str) -> list[dict[str, Any]]:
    """Camera entries for the edge config: installer keys out, and a pulled camera with a
    ``camera_password`` gets its secrets file named in its source (RTSP: ``credentials``, a
    'user:password' line; HTTP snapshot: ``username`` and ``password_file``)."""
    out = []
    for camera in anju_without_installer_keys(cameras):
        original = next(c for c in cameras if c["id"] == camera["id"])
        kind = _source_type(camera)
        if kind in _PULLED and original.get("camera_password"):
            source = dict(camera["source"])
            if kind == "rtsp":
                source["credentials"] = _secret_file(original, secrets_dir)
            else:
                source["username"] = original.get("camera_username", "")
                source["password_file"] = _secret_file(original, secrets_dir)
            camera["source"] = source
        out.append(camera)
    return out


def anju_camera_secrets(cameras: list[dict[str, Any]], secrets_dir: str) -> list[dict[str, str]]:
    """The secrets files of the pulled cameras: ``path`` and ``content`` (keep it no_log)."""
    files = []
    for camera in cameras:
        kind = _source_type(camera)
        password = camera.get("camera_password")
        if kind not in _PULLED or not password:
            continue
        user = camera.get("camera_username", "")
        if kind == "rtsp" and not user:
            raise ValueError(
                f"camera {camera['id']}: an RTSP camera_password needs camera_username"
            )
        line = f"{user}:{password}" if kind == "rtsp" else str(password)
        files.append({"path": _secret_file(camera, secrets_dir), "content": line + "\n"})
    return files


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "anju_mosquitto_hash": mosquitto_hash,
            "anju_without_installer_keys": anju_without_installer_keys,
            "anju_mqtt_devices": anju_mqtt_devices,
            "anju_edge_cameras": anju_edge_cameras,
            "anju_camera_secrets": anju_camera_secrets,
        }
