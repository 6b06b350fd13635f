"""RTSP streams with PyAV (FFmpeg in the wheel): one reader thread per camera.

Why PyAV rather than OpenCV's FFmpeg backend (both measured, docs/detection.md): it tells a
refused login (401) from an unreachable camera, lets us decode key frames only, gives the codec,
size, rate and key-frame interval for `check-config --probe`, and scales and converts to BGR in
one swscale pass. Frames are sampled to the source's `fps` and handed on as arrays.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import av
import av.error

from anju_common.worker import Backoff
from anju_contracts import DeviceState
from anju_edge.camera.sources.reader import FrameOut, Image, SourceFailed, SourceThread
from anju_edge.camera.sources.secrets import SecretError, read_credentials, with_credentials
from anju_edge.camera.sources.supervision import Supervisor
from anju_edge.config.sources import RtspSource
from anju_edge.metrics import CAMERA_BYTES

_RTSP_BYTES = CAMERA_BYTES.labels(source="rtsp")

logger = logging.getLogger(__name__)

MAX_WIDTH = 960  # wider streams are scaled down while converting (model 416 px, thumbnail 640)


def explain(exc: Exception) -> SourceFailed:
    """An FFmpeg error as a state and a reason. Never str(exc): FFmpeg puts the URL (with the
    password) in it; strerror holds only the cause."""
    if isinstance(exc, SourceFailed):
        return exc
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return SourceFailed(DeviceState.auth_failed, "the camera refused the credentials (401)")
    if isinstance(exc, SecretError):
        return SourceFailed(DeviceState.auth_failed, str(exc))
    if isinstance(exc, av.error.FFmpegError):
        return SourceFailed(DeviceState.offline, exc.strerror or type(exc).__name__)
    if isinstance(exc, OSError):
        return SourceFailed(DeviceState.offline, exc.strerror or type(exc).__name__)
    return SourceFailed(DeviceState.offline, type(exc).__name__)


def stream_url(source: RtspSource, data_dir: Path) -> str:
    if source.credentials is None:
        return source.url
    user, password = read_credentials(source.credentials, data_dir)
    return with_credentials(source.url, user, password)


@contextmanager
def open_stream(source: RtspSource, data_dir: Path) -> Iterator[av.container.InputContainer]:
    options = {
        "rtsp_transport": source.transport,
        "timeout": str(int(source.timeout_s * 1_000_000)),  # socket I/O, microseconds
        # SDP carries the parameter sets: a short probe opens in ~0.8 s instead of ~5 s.
        "analyzeduration": "1000000",
        "probesize": "500000",
    }
    try:
        container = av.open(
            stream_url(source, data_dir),
            options=options,
            timeout=(source.timeout_s, source.timeout_s),
        )
    except Exception as exc:
        raise explain(exc) from None
    try:
        if not container.streams.video:
            raise SourceFailed(DeviceState.offline, "the stream has no video track")
        yield container
    finally:
        container.close()


def scaled_size(width: int, height: int) -> tuple[int, int]:
    factor = -(-width // MAX_WIDTH)
    return width // factor // 2 * 2, height // factor // 2 * 2


@dataclass(slots=True)
class KeyFrames:
    """Key-frame interval, measured on the packets (frames and seconds between key frames)."""

    frames_since: int = -1
    last_key_pts_s: float | None = None
    frames: int | None = None
    seconds: float | None = None

    def packet(self, is_key: bool, pts_s: float | None) -> None:
        if is_key:
            if self.frames_since > 0:
                self.frames = self.frames_since
                if pts_s is not None and self.last_key_pts_s is not None:
                    self.seconds = pts_s - self.last_key_pts_s
            self.frames_since = 0
            self.last_key_pts_s = pts_s
        if self.frames_since >= 0:
            self.frames_since += 1


class RtspReader(SourceThread):
    kind = "rtsp"

    def __init__(
        self,
        camera_id: str,
        source: RtspSource,
        data_dir: Path,
        supervisor: Supervisor,
        out: FrameOut | None,
        key_frames: bool | None = None,
    ) -> None:
        """``key_frames``: None decides from the measured key-frame interval (benchmarks force
        True or False)."""
        super().__init__(camera_id, supervisor, out, Backoff(1.0, 30.0), source.timeout_s + 2)
        self.key_frames = key_frames
        self.source = source
        self.data_dir = data_dir
        self.key_only = False

    def explain(self, exc: Exception) -> SourceFailed:
        failure = explain(exc)
        if failure.reason == type(exc).__name__:
            logger.exception("camera %s: reader failed", self.camera_id)
        return failure

    def read(self) -> None:
        with open_stream(self.source, self.data_dir) as container:
            stream = container.streams.video[0]
            codec = stream.codec_context
            codec.thread_count = 1  # one core per camera at most, and less memory
            codec.thread_type = "SLICE"
            tb = float(stream.time_base) if stream.time_base else None
            rate = float(stream.average_rate or stream.guessed_rate or 25)
            period = 1.0 / self.source.fps
            keys = KeyFrames()
            self.key_only = False
            next_due = 0.0
            size: tuple[int, int] | None = None
            for packet in container.demux(stream):
                if self.stopping.is_set():
                    return
                if packet.size == 0:
                    continue
                pts_s = packet.pts * tb if packet.pts is not None and tb else None
                keys.packet(packet.is_keyframe, pts_s)
                _RTSP_BYTES.inc(packet.size)
                if not self.key_only and self._key_frames_suffice(keys, rate):
                    self.key_only = True
                    codec.skip_frame = "NONKEY"
                    logger.info(
                        "camera %s: decoding key frames only (one every %s frames)",
                        self.camera_id,
                        keys.frames or "?",
                    )
                if self.key_only and not packet.is_keyframe:
                    continue
                for frame in packet.decode():
                    now = time.monotonic()
                    if now < next_due:
                        continue
                    # On average exactly `fps`; after a gap, start afresh.
                    next_due = next_due + period if now - next_due < period else now + period
                    if size is None:
                        size = scaled_size(frame.width, frame.height)
                    image = frame.reformat(width=size[0], height=size[1], format="bgr24")
                    self.hand_on(cast(Image, image.to_ndarray()), now)

    def _key_frames_suffice(self, keys: KeyFrames, rate: float) -> bool:
        """Key frames alone come often enough for the configured fps."""
        if self.key_frames is not None:
            return self.key_frames
        if keys.frames is None:
            return False
        seconds = keys.seconds if keys.seconds else keys.frames / rate
        return seconds > 0 and 1.0 / seconds >= self.source.fps * 0.98
