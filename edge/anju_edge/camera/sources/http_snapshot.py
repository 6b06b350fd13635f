"""HTTP snapshot cameras (ISAPI ``/ISAPI/Streaming/channels/101/picture``, ONVIF
``GetSnapshotUri``, CGI ``snapshot.jpg``): polled with httpx, Digest or Basic auth.

A poll sends ``If-None-Match`` when the camera gave an ETag (304: the same picture again),
refuses a body larger than ``detector.max_snapshot_bytes`` before reading it, checks the JPEG
header before decoding, and decodes scaled down as the MQTT path does.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx

from anju_common.worker import Backoff
from anju_contracts import DeviceState, PayloadError
from anju_edge.camera.sources.reader import FrameOut, Image, SourceFailed, SourceThread
from anju_edge.camera.sources.secrets import SecretError, read_password
from anju_edge.camera.sources.supervision import Supervisor
from anju_edge.config.sources import HttpSnapshotSource
from anju_edge.detect.images import decode_jpeg
from anju_edge.metrics import CAMERA_BYTES

logger = logging.getLogger(__name__)

# Decode large snapshots scaled down, as the MQTT path does for a 416 px model and the 640 px
# alert thumbnail (1920x1080 -> 960x540).
FIT = (640, 640)
MIN_WIDTH = 640


def http_auth(source: HttpSnapshotSource, data_dir: Path) -> httpx.Auth | None:
    if source.auth == "none":
        return None
    if source.username is None or source.password_file is None:
        raise SourceFailed(
            DeviceState.auth_failed, f"auth {source.auth} needs username and password_file"
        )
    try:
        password = read_password(source.password_file, data_dir)
    except SecretError as exc:
        raise SourceFailed(DeviceState.auth_failed, str(exc)) from None
    if source.auth == "digest":
        return httpx.DigestAuth(source.username, password)
    return httpx.BasicAuth(source.username, password)


class Snapshot:
    """One GET: the picture (None for 304) and what the probe prints."""

    def __init__(self, image: Image | None, size: int, etag: str | None) -> None:
        self.image = image
        self.size = size
        self.etag = etag


def fetch(
    client: httpx.Client,
    source: HttpSnapshotSource,
    max_bytes: int,
    max_pixels: int,
    etag: str | None = None,
) -> Snapshot:
    headers = {"If-None-Match": etag} if etag else {}
    try:
        with client.stream("GET", source.url, headers=headers) as resp:
            if resp.status_code == 304:
                return Snapshot(None, 0, etag)
            if resp.status_code in (401, 403):
                raise SourceFailed(
                    DeviceState.auth_failed,
                    f"the camera refused the credentials ({resp.status_code})",
                )
            if resp.status_code != 200:
                raise SourceFailed(DeviceState.offline, f"HTTP {resp.status_code}")
            declared = resp.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise SourceFailed(DeviceState.offline, f"snapshot of {declared} bytes > limit")
            body = bytearray()
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise SourceFailed(DeviceState.offline, f"snapshot over {max_bytes} bytes")
            new_etag = resp.headers.get("etag")
            CAMERA_BYTES.labels(source="http_snapshot").inc(len(body))
    except httpx.HTTPError as exc:
        # httpx messages can carry the URL; the URL holds no secret (the config refuses it).
        raise SourceFailed(DeviceState.offline, f"{type(exc).__name__}: {exc}"[:200]) from None
    try:
        image = decode_jpeg(bytes(body), max_bytes, max_pixels, fit=FIT, min_width=MIN_WIDTH)
    except PayloadError as exc:
        raise SourceFailed(DeviceState.offline, f"bad snapshot: {exc.message}") from None
    return Snapshot(image, len(body), new_etag)


class HttpSnapshotPoller(SourceThread):
    kind = "http"

    def __init__(
        self,
        camera_id: str,
        source: HttpSnapshotSource,
        data_dir: Path,
        supervisor: Supervisor,
        out: FrameOut | None,
        max_bytes: int,
        max_pixels: int,
    ) -> None:
        backoff = Backoff(max(0.5, source.interval_s), 30.0)
        super().__init__(camera_id, supervisor, out, backoff, source.timeout_s + 2)
        self.source = source
        self.data_dir = data_dir
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels

    def read(self) -> None:
        auth = http_auth(self.source, self.data_dir)
        with httpx.Client(auth=auth, timeout=self.source.timeout_s) as client:
            self._poll(client)

    def _poll(self, client: httpx.Client) -> None:
        etag: str | None = None
        last: Image | None = None
        while not self.stopping.is_set():
            started = time.monotonic()
            snap = fetch(client, self.source, self.max_bytes, self.max_pixels, etag)
            now = time.monotonic()
            if snap.image is not None:
                last, etag = snap.image, snap.etag
            if last is not None:  # 304: the same picture once more (dwell rules need it)
                self.hand_on(last, now)
            self.stopping.wait(max(0.0, self.source.interval_s - (now - started)))
