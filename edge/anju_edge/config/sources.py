"""Where a camera's pictures come from: MQTT snapshots (the default), an RTSP stream, or an HTTP
snapshot URL. Secrets are referenced by file, never written in the config itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from anju_contracts import WireModel as Strict  # the one strict base: extra="forbid", frozen

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")


def mask_url(text: str) -> str:
    """Any ``scheme://user:password@`` in ``text`` becomes ``scheme://***@``."""
    return _USERINFO.sub(r"\1***@", text)


def plain_url(value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"expected a {' or '.join(schemes)}:// URL with a host")
    if parts.username is not None or parts.password is not None:
        # The error must not repeat the URL: it holds a password.
        raise ValueError(
            "the URL must not carry a user or password: put them in the credentials file"
        )
    return value


class MqttSource(Strict):
    type: Literal["mqtt"] = "mqtt"


class RtspSource(Strict):
    type: Literal["rtsp"] = "rtsp"
    url: str = Field(
        description="Stream URL without credentials, e.g. rtsp://10.0.0.21:554/Streaming/Channels/102"
    )
    transport: Literal["tcp", "udp"] = Field(
        default="tcp", description="RTP over the RTSP TCP connection (default) or over UDP."
    )
    fps: float = Field(default=2.0, gt=0, le=30, description="Frames per second handed on.")
    credentials: Path | None = Field(
        default=None,
        description="Secrets file holding one line 'user:password' (mode 0600); never logged.",
    )
    timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="Opening the stream or waiting for a packet."
    )
    frozen_after_s: float = Field(
        default=60.0,
        ge=0,
        le=86_400,
        description="Identical frames this long: camera_frozen (0: off).",
    )

    @field_validator("url")
    @classmethod
    def _no_inline_credentials(cls, value: str) -> str:
        return plain_url(value, ("rtsp", "rtsps"))


class HttpSnapshotSource(Strict):
    type: Literal["http_snapshot"] = "http_snapshot"
    url: str = Field(
        description="Snapshot URL, e.g. http://10.0.0.21/ISAPI/Streaming/channels/101/picture"
    )
    auth: Literal["digest", "basic", "none"] = Field(
        default="digest", description="HTTP authentication the camera asks for."
    )
    username: str | None = Field(default=None, max_length=128, description="Camera user.")
    password_file: Path | None = Field(
        default=None, description="File holding the camera password (mode 0600); never logged."
    )
    interval_s: float = Field(default=0.5, ge=0.05, le=3600, description="Seconds between polls.")
    timeout_s: float = Field(default=5.0, gt=0, le=60, description="HTTP timeout per request.")
    frozen_after_s: float = Field(
        default=60.0,
        ge=0,
        le=86_400,
        description="Identical frames this long: camera_frozen (0: off).",
    )

    @field_validator("url")
    @classmethod
    def _no_inline_credentials(cls, value: str) -> str:
        return plain_url(value, ("http", "https"))


CameraSource = Annotated[MqttSource | RtspSource | HttpSnapshotSource, Field(discriminator="type")]
