"""Is a pulled camera alive, and is its picture moving? One `Supervisor` for all sources.

Reader threads report frames and failures; the sources' supervision thread calls `check` once a
second. Availability goes through the device registry (so `device_offline`, the heartbeat and
the device boards work as for MQTT cameras), with the outage dated from the last frame. A frozen
picture is found on a 64x36 area-averaged copy of each frame: a real camera's sensor noise and
clock overlay always move some cell by more than `FROZEN_MAX_DIFF` grey levels; a hung encoder
or a stuck ISP repeating one picture does not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from anju_contracts import AlertKind, DeviceState, Severity, SourceKind
from anju_edge.alerts import AlertDraft
from anju_edge.metrics import SOURCE_FAILURES, SOURCE_FRAMES

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]

SMALL = (64, 36)
FROZEN_MAX_DIFF = 6


def small_copy(image: Image) -> npt.NDArray[np.int16]:
    small = cv2.resize(image, SMALL, interpolation=cv2.INTER_AREA)
    return np.asarray(small, dtype=np.int16)


@dataclass(slots=True)
class Watch:
    camera_id: str
    severity: Severity
    frozen_after_s: float
    stall_after_s: float
    last_frame: float | None = None
    reference: npt.NDArray[np.int16] | None = None
    changed_at: float = 0.0
    frozen_alerted: bool = False
    state: DeviceState | None = None
    reason: str = ""


class DeviceStates(Protocol):
    """Where camera availability goes: the edge's device registry (``devices.DeviceRegistry``),
    handed in by the service; the camera path does not import it."""

    def update(
        self, kind: str, device_id: str, state: DeviceState, since: float | None = None
    ) -> None: ...


class Supervisor:
    """Thread-safe."""

    def __init__(
        self, devices: DeviceStates, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.devices = devices
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._watches: dict[str, Watch] = {}

    def add(
        self, camera_id: str, severity: Severity, frozen_after_s: float, stall_after_s: float
    ) -> None:
        self._watches[camera_id] = Watch(camera_id, severity, frozen_after_s, stall_after_s)

    def watch(self, camera_id: str) -> Watch:
        return self._watches[camera_id]

    def frame(self, camera_id: str, image: Image, now: float) -> None:
        """A frame arrived (reader thread): the camera is online; has its picture moved?"""
        small = small_copy(image)
        w = self._watches[camera_id]
        with self._lock:
            w.last_frame = now
            moved = w.reference is None or int(np.abs(small - w.reference).max()) > FROZEN_MAX_DIFF
            if moved:
                w.reference = small
                w.changed_at = now
                if w.frozen_alerted:
                    logger.info("camera %s: the picture moves again", camera_id)
                w.frozen_alerted = False
            back = w.state is not DeviceState.online
            w.state = DeviceState.online
        SOURCE_FRAMES.labels(camera=camera_id).inc()
        self.devices.update("camera", camera_id, DeviceState.online)
        if back:
            logger.info("camera %s: frames flow", camera_id)

    def failed(self, camera_id: str, state: DeviceState, reason: str) -> None:
        """Opening or reading failed (``reason`` must hold no secret)."""
        w = self._watches[camera_id]
        with self._lock:
            changed = (w.state, w.reason) != (state, reason)
            w.state, w.reason = state, reason
            since = w.last_frame
            w.reference = None  # a picture after the outage is compared afresh
        SOURCE_FAILURES.labels(camera=camera_id, state=state.value).inc()
        self.devices.update("camera", camera_id, state, since=since)
        if changed:
            logger.warning("camera %s: %s: %s", camera_id, state.value, reason)

    def check(self, now: float | None = None) -> list[AlertDraft]:
        """Stalled streams become offline; pictures frozen too long become one alert each."""
        now = self.monotonic() if now is None else now
        stalled: list[Watch] = []
        drafts: list[AlertDraft] = []
        with self._lock:
            for w in self._watches.values():
                if w.state is not DeviceState.online or w.last_frame is None:
                    continue
                if now - w.last_frame > w.stall_after_s:
                    stalled.append(w)
                    continue
                frozen_s = now - w.changed_at
                if w.frozen_after_s and not w.frozen_alerted and frozen_s >= w.frozen_after_s:
                    w.frozen_alerted = True
                    drafts.append(
                        AlertDraft(
                            kind=AlertKind.camera_frozen,
                            severity=w.severity,
                            source_kind=SourceKind.camera,
                            source_id=w.camera_id,
                            details={"frozen_s": round(frozen_s, 1)},
                        )
                    )
                    logger.warning("camera %s: the same picture for %.0f s", w.camera_id, frozen_s)
        for w in stalled:
            self.failed(w.camera_id, DeviceState.offline, f"no frame for {w.stall_after_s:g} s")
        return drafts
