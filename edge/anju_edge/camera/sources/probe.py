"""``anju edge check-config --probe``: try each camera once and say what it delivers, or why not."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from anju_contracts import DeviceState
from anju_edge.camera.sources.http_snapshot import fetch, http_auth
from anju_edge.camera.sources.reader import SourceFailed
from anju_edge.camera.sources.rtsp import KeyFrames, explain, open_stream
from anju_edge.config import CameraConfig, EdgeConfig
from anju_edge.config.sources import HttpSnapshotSource, RtspSource

PROBE_S = 6.0  # long enough to see two key frames of a 2 s GOP


@dataclass(frozen=True, slots=True)
class ProbeResult:
    camera_id: str
    state: DeviceState | None  # None: nothing to probe (MQTT)
    text: str

    @property
    def ok(self) -> bool:
        return self.state in (None, DeviceState.online)

    def line(self) -> str:
        word = (
            "ok"
            if self.state is DeviceState.online
            else ("-" if self.state is None else self.state.value)
        )
        return f"{self.camera_id}: {word}: {self.text}"


def probe_rtsp(cam_id: str, source: RtspSource, data_dir: Path) -> ProbeResult:
    try:
        with open_stream(source, data_dir) as container:
            stream = container.streams.video[0]
            codec = stream.codec_context
            rate = stream.average_rate or stream.guessed_rate
            tb = float(stream.time_base) if stream.time_base else None
            keys = KeyFrames()
            deadline = time.monotonic() + PROBE_S
            decoded = 0
            for packet in container.demux(stream):
                if packet.size:
                    pts = packet.pts * tb if packet.pts is not None and tb else None
                    keys.packet(packet.is_keyframe, pts)
                    decoded += len(packet.decode())
                if (keys.frames and decoded) or time.monotonic() > deadline:
                    break
    except Exception as exc:
        failure = explain(exc)
        return ProbeResult(cam_id, failure.state, f"{source.url}: {failure.reason}")
    if not decoded:
        return ProbeResult(cam_id, DeviceState.offline, f"{source.url}: no frame in {PROBE_S:g} s")
    if keys.frames:
        seconds = keys.seconds or (keys.frames / float(rate) if rate else None)
        key = f"key frame every {keys.frames} frames" + (f" ({seconds:.1f} s)" if seconds else "")
    else:
        key = f"no second key frame within {PROBE_S:g} s"
    fps = f"{float(rate):g} fps" if rate else "unknown fps"
    return ProbeResult(
        cam_id,
        DeviceState.online,
        f"{source.url}: {codec.name} {codec.width}x{codec.height}, {fps}, {key}",
    )


def probe_http(
    cam_id: str, source: HttpSnapshotSource, data_dir: Path, max_bytes: int, max_pixels: int
) -> ProbeResult:
    try:
        with httpx.Client(auth=http_auth(source, data_dir), timeout=source.timeout_s) as client:
            snap = fetch(client, source, max_bytes, max_pixels)
    except SourceFailed as exc:
        return ProbeResult(cam_id, exc.state, f"{source.url}: {exc.reason}")
    assert snap.image is not None
    h, w = snap.image.shape[:2]
    return ProbeResult(
        cam_id,
        DeviceState.online,
        f"{source.url}: jpeg, {snap.size} bytes, decoded at {w}x{h}, "
        f"ETag {'yes' if snap.etag else 'no'}",
    )


def probe_camera(cam: CameraConfig, config: EdgeConfig) -> ProbeResult:
    src = cam.source
    if isinstance(src, RtspSource):
        return probe_rtsp(cam.id, src, config.data_dir)
    if isinstance(src, HttpSnapshotSource):
        det = config.detector
        return probe_http(cam.id, src, config.data_dir, det.max_snapshot_bytes, det.max_pixels)
    return ProbeResult(
        cam.id,
        None,
        f"mqtt: nothing to probe (it publishes to anju/{config.compound_id}/camera/{cam.id}/...)",
    )
