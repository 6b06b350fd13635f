"""A real RTSP camera: GStreamer's RTSP server encoding H.264 from JPEG pictures.

Runs with the SYSTEM python3 (PyGObject and GstRtspServer come from Debian:
``apt-get install -y python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly``), so it imports nothing of the project;
``anju_sim.rtsp.RtspCamera`` starts and steers it from the project's venv.

Like a real camera it overlays a running clock (so a still scene still changes a little), and
it can misbehave on command. Commands, one per line on stdin:

- ``image PATH``: show this JPEG from now on (a folder of JPEGs: play them as a looped video),
- ``mode normal`` / ``mode stall`` (keeps the session, sends nothing) / ``mode freeze`` (the
  same picture over and over, clock stopped),
- ``quit``.

It prints ``ready PORT`` on stdout once it listens. The password, if any, is read from a file
so it never appears on a command line.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


class Camera:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        # A folder of JPEGs plays as a looped video (one picture per frame); a file stays put.
        self.loop = self._load(args.image)
        self.jpeg = self.loop[0]
        self.index = 0
        self.mode = "normal"
        self.sources: list[Gst.Element] = []
        self.overlays: list[Gst.Element] = []
        self.lock = threading.Lock()

    @staticmethod
    def _load(path: str) -> list[bytes]:
        if os.path.isdir(path):
            names = sorted(n for n in os.listdir(path) if n.endswith(".jpg"))
            paths = [os.path.join(path, n) for n in names]
        else:
            paths = [path]
        out = []
        for p in paths:
            with open(p, "rb") as f:
                out.append(f.read())
        return out

    def launch(self) -> str:
        a = self.args
        return (
            f"( appsrc name=src is-live=true format=time do-timestamp=true "
            f"caps=image/jpeg,framerate={a.fps}/1 ! jpegdec ! videoconvert ! videoscale ! "
            f"video/x-raw,width={a.width},height={a.height},format=I420 ! "
            f'timeoverlay name=osd halignment=left valignment=top font-desc="Sans 20" ! '
            f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={a.gop} "
            f"bitrate={a.bitrate} ! rtph264pay name=pay0 pt=96 config-interval=1 )"
        )

    def on_media(self, _factory: object, media: GstRtspServer.RTSPMedia) -> None:
        element = media.get_element()
        src = element.get_by_name_recurse_up("src")
        osd = element.get_by_name_recurse_up("osd")
        with self.lock:
            self.sources.append(src)
            self.overlays.append(osd)
            osd.set_property("silent", self.mode == "freeze")
        media.connect("unprepared", lambda _m: self._forget(src, osd))

    def _forget(self, src: Gst.Element, osd: Gst.Element) -> None:
        with self.lock:
            if src in self.sources:
                self.sources.remove(src)
            if osd in self.overlays:
                self.overlays.remove(osd)

    def push(self) -> bool:
        with self.lock:
            if self.mode == "normal" and len(self.loop) > 1:
                self.index = (self.index + 1) % len(self.loop)
                self.jpeg = self.loop[self.index]
            if self.mode != "stall":
                for src in self.sources:
                    src.emit("push-buffer", Gst.Buffer.new_wrapped(self.jpeg))
        return True

    def command(self, line: str) -> None:
        word, _, arg = line.strip().partition(" ")
        if word == "image" and self.mode != "freeze":
            loop = self._load(arg)
            with self.lock:
                self.loop, self.index, self.jpeg = loop, 0, loop[0]
        elif word == "mode" and arg in ("normal", "stall", "freeze"):
            with self.lock:
                self.mode = arg
                for osd in self.overlays:
                    osd.set_property("silent", arg == "freeze")


def auth_for(args: argparse.Namespace) -> GstRtspServer.RTSPAuth | None:
    if args.auth == "none":
        return None
    with open(args.password_file, encoding="utf-8") as f:
        password = f.read().strip()
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "user")
    if args.auth == "digest":
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth.add_digest(args.user, password, token)
    else:
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, password), token)
    return auth


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--path", default="/cam")
    p.add_argument("--image", required=True)
    p.add_argument("--fps", type=int, default=5)
    p.add_argument("--gop", type=int, default=5, help="Frames between key frames.")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--bitrate", type=int, default=1024, help="kbit/s")
    p.add_argument("--auth", choices=["none", "digest", "basic"], default="none")
    p.add_argument("--user", default="anju")
    p.add_argument("--password-file")
    args = p.parse_args()

    Gst.init(None)
    cam = Camera(args)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(cam.launch())
    factory.set_shared(True)
    factory.connect("media-configure", cam.on_media)
    auth = auth_for(args)
    if auth is not None:
        server.set_auth(auth)
        factory.add_role_from_structure(
            Gst.Structure.new_from_string(
                "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )
        )
    server.get_mount_points().add_factory(args.path, factory)
    server.attach(None)
    loop = GLib.MainLoop()
    GLib.timeout_add(max(1, 1000 // args.fps), cam.push)

    def run_once(line: str) -> bool:
        cam.command(line)
        return False  # an idle callback that runs once

    def read_commands() -> None:
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            GLib.idle_add(run_once, line)
        GLib.idle_add(loop.quit)

    threading.Thread(target=read_commands, daemon=True).start()
    print(f"ready {server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
