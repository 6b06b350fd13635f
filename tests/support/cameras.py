"""Real pulled cameras for tests: the GStreamer RTSP server and the HTTP snapshot camera."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from anju_sim.http_camera import HttpSnapshotCamera
from anju_sim.rtsp import RtspCamera, rtsp_server_missing
from anju_sim.scenario import media


def need_rtsp_server() -> None:
    """Skip (not root: cannot install) or fail (root: `make test` should have installed it)."""
    missing = rtsp_server_missing()
    if missing is None:
        return
    if os.geteuid() == 0:
        pytest.fail(f"GStreamer's RTSP server is missing: run 'make gstreamer' or '{missing}'")
    pytest.skip(f"GStreamer's RTSP server is missing: run 'sudo {missing}'")


@contextmanager
def rtsp_camera(
    device_id: str = "cam1", image: str = "plaza.jpg", **kw: Any
) -> Iterator[RtspCamera]:
    need_rtsp_server()
    cam = RtspCamera(device_id, media(image), **kw)
    cam.start()
    try:
        yield cam
    finally:
        cam.close()


@contextmanager
def http_camera(
    device_id: str = "cam1", image: str = "plaza.jpg", **kw: Any
) -> Iterator[HttpSnapshotCamera]:
    cam = HttpSnapshotCamera(device_id, media(image), **kw)
    cam.start()
    try:
        yield cam
    finally:
        cam.close()
