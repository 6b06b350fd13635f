"""Retained availability of devices and of the edge itself (plain text, like Frigate)."""

from __future__ import annotations

from enum import StrEnum


class DeviceState(StrEnum):
    online = "online"
    offline = "offline"
    # The edge says 'stopped' on a clean shutdown; a crash leaves its last will 'offline'.
    stopped = "stopped"
    # Only the edge reports this, for a camera it pulls from (RTSP, HTTP) that refuses its login.
    auth_failed = "auth_failed"


def parse_status(payload: bytes) -> DeviceState:
    """Decode a retained status payload; raises ValueError for anything else."""
    try:
        return DeviceState(payload.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise ValueError(
            f"status must be one of online/offline/stopped, got {payload[:32]!r}"
        ) from None
