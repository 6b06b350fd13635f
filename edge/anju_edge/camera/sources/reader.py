"""What every pulled camera source shares: one thread per camera that reads until stopped, and
on a failure tells the supervisor why (without secrets) and waits its backoff before the next
try. RTSP streams and HTTP snapshot cameras differ only in how they read and how they explain
an error."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from anju_common.worker import Backoff
from anju_contracts import DeviceState
from anju_edge.camera.sources.supervision import Supervisor

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
FrameOut = Callable[[str, Image, float], None]


class SourceFailed(Exception):
    """Why a camera could not be read, without secrets; ``state`` for the device registry."""

    def __init__(self, state: DeviceState, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason


class SourceThread:
    """Subclasses read in :meth:`read` (returning when the source ends or ``stopping`` is set)
    and may say in :meth:`explain` what an exception means for the camera."""

    kind = "camera"

    def __init__(
        self,
        camera_id: str,
        supervisor: Supervisor,
        out: FrameOut | None,
        backoff: Backoff,
        join_s: float,
    ) -> None:
        self.camera_id = camera_id
        self.supervisor = supervisor
        self.out = out
        self.stopping = threading.Event()
        self._backoff = backoff
        self._join_s = join_s
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.kind}-{self.camera_id}")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self._join_s)

    def read(self) -> None:
        raise NotImplementedError

    def explain(self, exc: Exception) -> SourceFailed:
        """A failure the source did not name (a bug, or an error nobody foresaw) is logged with
        its traceback and shown as offline with the exception's type, never its text."""
        if isinstance(exc, SourceFailed):
            return exc
        logger.exception("camera %s: %s reader failed", self.camera_id, self.kind)
        return SourceFailed(DeviceState.offline, type(exc).__name__)

    def hand_on(self, image: Image, now: float) -> None:
        """A frame read: the camera is well (the backoff starts afresh) and the frame goes on."""
        self._backoff.reset()
        self.supervisor.frame(self.camera_id, image, now)
        if self.out is not None:
            self.out(self.camera_id, image, now)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.read()
                failure = SourceFailed(DeviceState.offline, "the stream ended")
            except Exception as exc:  # the reader must survive anything a camera does
                failure = self.explain(exc)
            if self.stopping.is_set():
                return
            self.supervisor.failed(self.camera_id, failure.state, failure.reason)
            self.stopping.wait(self._backoff.next_delay())
