"""A real RTSP camera for tests and demos: starts ``rtsp_server.py`` (GStreamer, system python3)
and steers it. Like `SimCamera`, ``snapshot(jpeg)`` changes the picture; ``mode()`` makes it
stall or freeze, ``crash()`` kills it, ``start()`` again brings it back on the same port."""

from __future__ import annotations

import functools
import logging
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO, Any, Literal

from anju_common.ports import free_port

logger = logging.getLogger(__name__)

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER = Path(__file__).with_name("rtsp_server.py")
APT = (
    "apt-get install -y python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
    "gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-tools"
)
Mode = Literal["normal", "stall", "freeze"]


@functools.cache
def rtsp_server_missing() -> str | None:
    """None when the GStreamer RTSP server can run here; else what to install."""
    check = (
        "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0');"
        "from gi.repository import Gst, GstRtspServer; Gst.init(None);"
        "assert Gst.ElementFactory.find('x264enc') and Gst.ElementFactory.find('timeoverlay')"
    )
    try:
        subprocess.run([SYSTEM_PYTHON, "-c", check], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return APT
    return None


class RtspCamera:
    def __init__(
        self,
        device_id: str,
        first_image: bytes | Path,
        *,
        fps: int = 5,
        gop: int = 5,
        width: int = 640,
        height: int = 360,
        bitrate: int = 1024,
        auth: Literal["none", "digest", "basic"] = "none",
        user: str = "anju",
        password: str | None = None,
        port: int | None = None,
        path: str = "/cam",
    ) -> None:
        self.device_id = device_id
        self.fps, self.gop, self.width, self.height = fps, gop, width, height
        self.bitrate = bitrate
        self.auth, self.user, self.path = auth, user, path
        self.port = port or free_port()
        self._dir = tempfile.TemporaryDirectory(prefix=f"anju-rtsp-{device_id}-")
        self._n = 0
        # bytes: one picture; a Path: a folder of JPEGs played as a looped video.
        self._image = first_image if isinstance(first_image, Path) else self._write(first_image)
        self._password_file: Path | None = None
        self.credentials_file: Path | None = None
        if auth != "none":
            if password is None:
                raise ValueError("auth needs a password")
            self._password_file = Path(self._dir.name) / "password"
            self._password_file.write_text(password + "\n", "utf-8")
            self._password_file.chmod(0o600)
            # What the edge reads: the secrets file its config names.
            self.credentials_file = Path(self._dir.name) / "credentials"
            self.credentials_file.write_text(f"{user}:{password}\n", "utf-8")
            self.credentials_file.chmod(0o600)
        self._proc: subprocess.Popen[str] | None = None
        self.mode_now: Mode = "normal"

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}{self.path}"

    def source_config(self, fps: float = 2.0, **extra: Any) -> dict[str, Any]:
        """The edge's ``cameras[].source`` for this camera."""
        source: dict[str, Any] = {"type": "rtsp", "url": self.url, "fps": fps}
        if self.credentials_file is not None:
            source["credentials"] = str(self.credentials_file)
        return {**source, **extra}

    def play_folder(self, folder: Path) -> None:
        """Play the JPEGs of ``folder`` as a looped video, one per frame."""
        self._image = folder
        self._send(f"image {folder}")

    def _write(self, jpeg: bytes) -> Path:
        self._n += 1
        path = Path(self._dir.name) / f"frame-{self._n}.jpg"
        path.write_bytes(jpeg)
        return path

    def start(self, timeout: float = 20.0) -> None:
        args = [
            SYSTEM_PYTHON, str(SERVER), "--port", str(self.port), "--path", self.path,
            "--image", str(self._image), "--fps", str(self.fps), "--gop", str(self.gop),
            "--width", str(self.width), "--height", str(self.height), "--auth", self.auth,
            "--bitrate", str(self.bitrate),
            "--user", self.user,
        ]  # fmt: skip
        if self._password_file is not None:
            args += ["--password-file", str(self._password_file)]
        deadline = time.monotonic() + timeout
        while True:  # the port of a killed server can take a moment to be free again
            self._proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
            )
            assert self._proc.stdout is not None
            line = self._proc.stdout.readline()
            if line.startswith("ready"):
                break
            self._proc.wait(timeout=5)
            if time.monotonic() > deadline:
                raise RuntimeError(f"RTSP camera {self.device_id} did not start")
            time.sleep(0.3)
        if self.mode_now != "normal":
            self.mode(self.mode_now)
        logger.info("RTSP camera %s on %s", self.device_id, self.url)

    def _send(self, line: str) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        stdin: IO[str] | None = self._proc.stdin
        assert stdin is not None
        stdin.write(line + "\n")
        stdin.flush()

    def snapshot(self, jpeg: bytes) -> None:
        """Show this picture from now on (the stream keeps its frame rate)."""
        self._image = self._write(jpeg)
        self._send(f"image {self._image}")

    def mode(self, mode: Mode) -> None:
        self.mode_now = mode
        self._send(f"mode {mode}")

    def crash(self) -> None:
        """Power lost: the server dies without a goodbye."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(timeout=5)
            self._proc = None

    def stop(self) -> None:
        if self._proc is not None:
            self._send("quit")
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
            self._proc = None

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()
