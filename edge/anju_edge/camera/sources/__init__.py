"""Cameras the edge pulls frames from: RTSP streams and HTTP snapshot URLs.

MQTT cameras push JPEG snapshots (ingest.py); these sources read or poll the camera themselves,
one thread each, and hand decoded frames to the same latest-frame slots, so detection, rules,
masks and thumbnails are the same whatever the source. `CameraSources` is the edge component
that runs them and their supervision (supervision.py).
"""

from __future__ import annotations

import logging
import threading

from anju_edge.alerts import AlertSink
from anju_edge.camera.sources.http_snapshot import HttpSnapshotPoller
from anju_edge.camera.sources.reader import FrameOut
from anju_edge.camera.sources.rtsp import RtspReader
from anju_edge.camera.sources.supervision import DeviceStates, Supervisor
from anju_edge.config import EdgeConfig
from anju_edge.config.sources import HttpSnapshotSource, RtspSource

logger = logging.getLogger(__name__)

__all__ = ["CameraSources"]


class CameraSources:
    def __init__(
        self,
        config: EdgeConfig,
        devices: DeviceStates,
        sink: AlertSink,
        out: FrameOut | None,
    ) -> None:
        self.sink = sink
        self.supervisor = Supervisor(devices)
        self.readers: list[RtspReader | HttpSnapshotPoller] = []
        det = config.detector
        for cam in config.cameras:
            src = cam.source
            if isinstance(src, RtspSource):
                # A stream is stalled once no frame came for the read timeout (at least two
                # frame periods).
                stall = max(src.timeout_s, 2.0 / src.fps)
                self.supervisor.add(cam.id, cam.offline_severity, src.frozen_after_s, stall)
                self.readers.append(RtspReader(cam.id, src, config.data_dir, self.supervisor, out))
            elif isinstance(src, HttpSnapshotSource):
                stall = src.timeout_s + 2.0 * src.interval_s
                self.supervisor.add(cam.id, cam.offline_severity, src.frozen_after_s, stall)
                self.readers.append(
                    HttpSnapshotPoller(
                        cam.id,
                        src,
                        config.data_dir,
                        self.supervisor,
                        out,
                        det.max_snapshot_bytes,
                        det.max_pixels,
                    )
                )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return bool(self.readers)

    def start(self) -> None:
        for reader in self.readers:
            reader.start()
        self._thread = threading.Thread(target=self._supervise, name="camera-supervision")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        for reader in self.readers:
            reader.stopping.set()
        for reader in self.readers:
            reader.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _supervise(self) -> None:
        while not self._stop.wait(1.0):
            try:
                for draft in self.supervisor.check():
                    self.sink.raise_alert(draft)
            except Exception:
                logger.exception("camera supervision failed")
