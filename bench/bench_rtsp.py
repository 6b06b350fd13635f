"""RTSP cameras: CPU per camera (640x360 H.264, 25 fps, GOP 25 and 50) decoding every frame
vs key frames only, PyAV vs OpenCV's FFmpeg backend; 8 RTSP cameras at 2 fps in a real edge."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from bench.bench_detect import ONE_PERSON_ZONE, _hwm_kib, _rss_kib
from bench.stats import report

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 12.0


def _cpu_share(work: threading.Thread, seconds: float) -> float:
    """Process CPU seconds per wall second while ``work`` runs (the server is another process)."""
    time.sleep(1.5)  # opened and decoding
    c0, t0 = time.process_time(), time.monotonic()
    time.sleep(seconds)
    return (time.process_time() - c0) / (time.monotonic() - t0)


def pyav_cpu(url: str, key_frames: bool) -> float:
    from anju_contracts import DeviceState
    from anju_edge.camera.sources.rtsp import RtspReader
    from anju_edge.camera.sources.supervision import Supervisor
    from anju_edge.config import parse_config
    from anju_edge.config.sources import RtspSource
    from anju_edge.devices import DeviceRegistry

    cfg = parse_config(
        {"compound_id": "b", "gateway": {"url": "http://x"}, "cameras": [{"id": "c"}]}
    )
    supervisor = Supervisor(DeviceRegistry(cfg))
    supervisor.add("c", cfg.cameras[0].offline_severity, 0, 10)
    reader = RtspReader("c", RtspSource(url=url, fps=1), Path("/tmp"), supervisor, None, key_frames)
    reader.start()
    share = _cpu_share(threading.current_thread(), SECONDS)
    ok = supervisor.watch("c").state is DeviceState.online
    reader.stop()
    return share if ok else float("nan")


def opencv_cpu(url: str) -> float:
    import cv2

    stop = threading.Event()

    def read() -> None:
        cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG)
        next_due = 0.0
        while not stop.is_set() and cap.grab():
            if time.monotonic() >= next_due:  # convert 1 frame a second, as the reader does
                cap.retrieve()
                next_due = time.monotonic() + 1.0
        cap.release()

    os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = "rtsp_transport;tcp"
    t = threading.Thread(target=read, daemon=True)
    t.start()
    share = _cpu_share(t, SECONDS)
    stop.set()
    t.join(10)
    return share


def pan_video(folder: Path, frames: int = 100) -> Path:
    """A looped 4 s "video" with motion everywhere: a slow pan across the plaza picture (a
    still picture would leave P-frames empty and make decoding look cheaper than it is)."""
    import cv2
    import numpy as np

    from anju_sim.scenario import media

    still = cv2.imdecode(np.frombuffer(media("plaza.jpg"), np.uint8), cv2.IMREAD_COLOR)
    h, w = still.shape[:2]
    crop_w, crop_h = w - 100, h - 75
    for i in range(frames):
        x = int(100 * abs((i % frames) / (frames / 2) - 1))
        frame = cv2.resize(still[40 : 40 + crop_h, x : x + crop_w], (640, 360))
        cv2.imwrite(str(folder / f"{i:04d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return folder


def cpu_per_camera() -> bool:
    from anju_sim.rtsp import RtspCamera

    video = pan_video(Path(tempfile.mkdtemp(prefix="anju-bench-pan-")))
    for gop in (25, 50):
        cam = RtspCamera(f"gop{gop}", video, fps=25, gop=gop, bitrate=800)
        cam.start()
        try:
            full = pyav_cpu(cam.url, key_frames=False)
            key = pyav_cpu(cam.url, key_frames=True)
            cv = opencv_cpu(cam.url) if gop == 25 else None
        finally:
            cam.close()
        report(f"GOP {gop}: PyAV, every frame decoded (1 fps out)", full * 100, "% core", "", True)
        report(f"GOP {gop}: PyAV, key frames only (skip_frame)", key * 100, "% core", "", True)
        report(f"GOP {gop}: key frames only / every frame", key / full, "ratio", "", True)
        if cv is not None:
            report(f"GOP {gop}: OpenCV FFmpeg backend, every frame", cv * 100, "% core", "", True)
            report(f"GOP {gop}: PyAV / OpenCV, every frame", full / cv, "ratio", "", True)
    return True


def _metric(port: int, name: str) -> float:
    import httpx

    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(float(v) for v in re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M))


def eight_cameras(cameras: int = 8, fps: float = 2.0, seconds: float = 20.0) -> bool:
    """A real `anju edge run` with 8 RTSP cameras (12 fps streams, GOP 24: every frame decoded)
    sampled at 2 fps, the model on each sampled frame."""
    from anju.broker import MosquittoBroker
    from anju_common.ports import free_port
    from anju_sim.rtsp import RtspCamera
    from anju_sim.scenario import media

    cams = [RtspCamera(f"cam{i}", media("plaza.jpg"), fps=12, gop=24) for i in range(cameras)]
    for cam in cams:
        cam.start()
    with tempfile.TemporaryDirectory() as tmp:
        broker = MosquittoBroker(Path(tmp) / "broker")
        broker.start()
        metrics = free_port()
        config = {
            "compound_id": "bench",
            "data_dir": str(Path(tmp) / "edge"),
            "metrics_port": metrics,
            "log_level": "warning",
            "broker": {"port": broker.port, "client_id": f"bench-edge-{os.getpid()}"},
            "gateway": {"url": "http://127.0.0.1:9"},
            "console": {"port": 0},
            "cameras": [
                {
                    "id": c.device_id,
                    "source": c.source_config(fps=fps),
                    "zones": [{"id": "z", "polygon": ONE_PERSON_ZONE}],
                    "rules": [{"type": "intrusion", "zone": "z"}],
                }
                for c in cams
            ],
        }
        path = Path(tmp) / "edge.yaml"
        path.write_text(yaml.safe_dump(config))
        edge = subprocess.Popen([sys.executable, "-m", "anju", "edge", "run", "-c", str(path)])
        try:
            time.sleep(6)  # model loaded, streams open
            f0 = _metric(metrics, "anju_edge_source_frames_total")
            d0 = _metric(metrics, "anju_edge_frames_detected_total")
            peak = 0
            t_end = time.monotonic() + seconds
            while time.monotonic() < t_end:
                peak = max(peak, _rss_kib(edge.pid))
                time.sleep(0.5)
            handed = _metric(metrics, "anju_edge_source_frames_total") - f0
            detected = _metric(metrics, "anju_edge_frames_detected_total") - d0
            peak = max(peak, _hwm_kib(edge.pid))
        finally:
            edge.terminate()
            edge.wait(timeout=15)
            broker.stop()
            for cam in cams:
                cam.close()
    expected = cameras * fps * seconds
    ok = report(f"{cameras} RTSP cameras: frames handed on / {fps:g} fps each", handed / expected,
                "ratio", ">= 0.90", handed >= 0.9 * expected)  # fmt: skip
    ok &= report("frames through the model / frames handed on", detected / max(handed, 1),
                 "ratio", ">= 0.90", detected >= 0.9 * handed)  # fmt: skip
    ok &= report(f"edge peak RSS, model loaded, {cameras} RTSP cameras", peak / 1024, "MB",
                 "<= 300", peak / 1024 <= 300)  # fmt: skip
    return ok


def run() -> bool:
    from anju_sim.rtsp import rtsp_server_missing

    missing = rtsp_server_missing()
    if missing is not None:
        print(f"  skipped: GStreamer's RTSP server is missing ({missing})")
        return False
    ok = cpu_per_camera()
    ok &= eight_cameras()
    return ok
