"""Budgets of a Pi-class box: uplink bytes / camera bytes over a day, and SD-card writes.

A real `anju edge run` (its own process, so /proc/<pid>/io counts only its writes) with the
demo's three cameras and two gates, a real gateway and Mosquitto. Three phases:

1. quiet (QUIET_S): every camera sends a picture at 2 fps, nothing happens: the box's background
   cost (heartbeats, sync long-polls; disk bytes per second);
2. alerts: the simulator's camera scenarios (intrusion, crowd, fire lane, e-bike) and forced
   doors: bytes per alert sent up (with its thumbnail) and written, the background of phase 1
   taken off;
3. a day, projected from the two: camera bytes at 2 fps all day, against heartbeats and sync
   all day plus ALERTS_PER_DAY alerts (a busy compound; Jiujiang's 1,211 compounds gave 2,300
   police leads a year).

The counters are the box's own (`anju_edge_uplink_bytes_total{kind}`,
`anju_edge_camera_bytes_total{source}`, docs/detection.md "Budgets"); disk bytes are the
kernel's `write_bytes` of the edge process (what reaches the block device, WAL checkpoints
included; logs go to journald, whose settings the installer sets).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml

from bench.stats import report

QUIET_S = float(os.environ.get("ANJU_BENCH_QUIET_S", "60"))
FPS = 2.0
ALERTS_PER_DAY = 50
DAY_S = 86_400
UPLINK_TARGET = 0.005  # uplink bytes <= 0.5 % of camera bytes
DISK_PER_ALERT_TARGET = 256 * 1024  # bytes written per alert (thumbnail ~40 KB, WAL, indexes)
DISK_PER_HOUR_TARGET = 20 * 1024 * 1024  # quiet bytes written per hour


def _metrics(port: int) -> str:
    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text


def _sum(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for m in re.finditer(rf"^{name}(?:{{([^}}]*)}})? (\S+)$", text, re.M):
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(2))
    return total


def _written(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


class Snapshot:
    def __init__(self, port: int, pid: int) -> None:
        text = _metrics(port)
        self.t = time.monotonic()
        self.kinds = {
            k: _sum(text, "anju_edge_uplink_bytes_total", kind=k)
            for k in ("alerts", "thumbnails", "heartbeats", "sync", "actions")
        }
        self.camera = _sum(text, "anju_edge_camera_bytes_total")
        self.alerts = _sum(text, "anju_edge_uplink_alerts_total")
        self.disk = _written(pid)

    def up(self, *kinds: str) -> float:
        return sum(v for k, v in self.kinds.items() if not kinds or k in kinds)


def _cameras_at(fps: float, stop: threading.Event, broker_port: int, ids: list[str]) -> None:
    from anju_sim.devices import SimCamera
    from anju_sim.scenario import media

    picture = media("plaza-empty.jpg")
    cams = [SimCamera("127.0.0.1", broker_port, "bench", c) for c in ids]
    for cam in cams:
        cam.start()
    try:
        while not stop.wait(1.0 / fps):
            for cam in cams:
                cam.snapshot(picture)
    finally:
        for cam in cams:
            cam.stop()


def run() -> bool:
    from anju.broker import MosquittoBroker
    from anju.demo_cameras import camera_configs, camera_round
    from anju.netutil import free_port
    from anju_contracts import utcnow
    from anju_edge.delivery.enrol import write_token
    from anju_gateway.edges.enrolment import enrol
    from anju_sim.scenario import ScenarioRunner, load_scenario
    from tests.support.servers import GatewayServer, wait_until

    with tempfile.TemporaryDirectory(dir=os.environ.get("ANJU_BENCH_DIR", "/var/tmp")) as tmp:
        root = Path(tmp)
        broker = MosquittoBroker(root / "broker")
        broker.start()
        gw = GatewayServer(root / "gw").start()
        gw.add_compound("bench", "p1")
        metrics = free_port()
        cameras = camera_configs()
        config = {
            "compound_id": "bench",
            "name": "预算测试小区",
            "data_dir": str(root / "edge"),
            "metrics_port": metrics,
            "log_level": "warning",
            "broker": {"port": broker.port, "client_id": f"bench-edge-{os.getpid()}"},
            "gateway": {"url": gw.url},
            "console": {"port": 0},
            "gates": [{"id": "north-gate", "name": "北门"}],
            "gate_rules": {"cooldown_s": 0},
            "cameras": cameras,
        }
        (root / "edge").mkdir()
        token = enrol(gw.db, code=gw.enrol_code("bench"), hostname="b", now=utcnow()).token
        write_token(root / "edge" / "token", token)
        path = root / "edge.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True))
        edge = subprocess.Popen([sys.executable, "-m", "anju", "edge", "run", "-c", str(path)])
        stop = threading.Event()
        feeder = threading.Thread(
            target=_cameras_at, args=(FPS, stop, broker.port, [c["id"] for c in cameras])
        )
        try:
            wait_until(lambda: _probe(metrics), timeout=60, message="the edge's metrics")
            time.sleep(5)  # model loaded, first heartbeat and sync done
            feeder.start()
            # The plaza's parked car is in the fire lane: one alert, then its cooldown (300 s,
            # longer than the quiet phase). Quiet starts once that alert has gone up.
            wait_until(
                lambda: Snapshot(metrics, edge.pid).alerts >= 1, timeout=60, message="car alert"
            )
            time.sleep(3)
            a = Snapshot(metrics, edge.pid)
            time.sleep(QUIET_S)
            b = Snapshot(metrics, edge.pid)
            # Alerts: the camera scenarios (their cameras take over the same ids), then forced
            # doors.
            stop.set()
            feeder.join(timeout=10)
            round_ = ScenarioRunner(camera_round(), "127.0.0.1", broker.port, "bench")
            round_.start_devices()
            round_.play()
            round_.stop_devices()
            doors = ScenarioRunner(load_scenario("door-forced"), "127.0.0.1", broker.port, "bench")
            doors.start_devices()
            doors.play()
            doors.stop_devices()
            wait_until(
                lambda: Snapshot(metrics, edge.pid).alerts - b.alerts >= 5,
                timeout=60,
                message="the alerts sent up",
            )
            time.sleep(3)  # their acks deleted from the outbox
            c = Snapshot(metrics, edge.pid)
        finally:
            stop.set()
            if feeder.is_alive():
                feeder.join(timeout=10)
            edge.terminate()
            edge.wait(timeout=20)
            gw.stop()
            broker.stop()

    quiet_s = b.t - a.t
    camera_rate = (b.camera - a.camera) / quiet_s  # bytes/s from the cameras
    background_kinds = ("heartbeats", "sync", "actions")
    background = (b.up(*background_kinds) - a.up(*background_kinds)) / quiet_s  # bytes/s
    alerts = c.alerts - b.alerts
    alert_s = c.t - b.t
    per_alert_up = (c.up("alerts", "thumbnails") - b.up("alerts", "thumbnails")) / alerts
    disk_rate = (b.disk - a.disk) / quiet_s
    per_alert_disk = (c.disk - b.disk - disk_rate * alert_s) / alerts
    thumbs = (c.kinds["thumbnails"] - b.kinds["thumbnails"]) / alerts

    up_day = background * DAY_S + ALERTS_PER_DAY * per_alert_up
    camera_day = camera_rate * DAY_S
    detail = {
        "cameras": len(cameras),
        "camera_bytes_per_s": round(camera_rate),
        "background_uplink_bytes_per_s": round(background, 1),
        "alerts_measured": int(alerts),
        "uplink_bytes_per_alert": round(per_alert_up),
        "thumbnail_bytes_per_alert": round(thumbs),
        "disk_bytes_per_s_quiet": round(disk_rate),
        "disk_bytes_per_alert": round(per_alert_disk),
        "quiet_alerts": int(b.alerts - a.alerts),
        "quiet_bytes_by_kind": {k: round(b.kinds[k] - a.kinds[k]) for k in b.kinds},
        "alert_phase_bytes_by_kind": {k: round(c.kinds[k] - b.kinds[k]) for k in c.kinds},
    }
    print("  " + json.dumps(detail))
    ok = report(
        f"uplink / camera bytes, a day, {len(cameras)} cameras at {FPS:g} fps, "
        f"{ALERTS_PER_DAY} alerts",
        100 * up_day / camera_day,
        "%",
        f"<= {100 * UPLINK_TARGET:g}",
        up_day <= UPLINK_TARGET * camera_day,
    )
    ok &= report(
        "bytes sent up per alert, thumbnail included", per_alert_up / 1024, "KiB", "", True
    )
    ok &= report(
        "SD card: bytes written per alert",
        per_alert_disk / 1024,
        "KiB",
        f"<= {DISK_PER_ALERT_TARGET // 1024}",
        per_alert_disk <= DISK_PER_ALERT_TARGET,
    )
    ok &= report(
        f"SD card: bytes written per hour, quiet, cameras at {FPS:g} fps",
        disk_rate * 3600 / 2**20,
        "MiB",
        f"<= {DISK_PER_HOUR_TARGET // 2**20}",
        disk_rate * 3600 <= DISK_PER_HOUR_TARGET,
    )
    return ok


def _probe(port: int) -> bool:
    try:
        return "anju_edge_uplink_bytes_total" in _metrics(port)
    except httpx.HTTPError:
        return False
