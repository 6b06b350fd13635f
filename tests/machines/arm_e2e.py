"""End-to-end on the arm64 root, run by tests/machines/arm_check.sh with the host's venv.

Mosquitto and the edge run inside the arm64 root (chroot, emulated); the gateway and the
simulated devices run on this host, all through the `anju` command as an installer would use
it: add-compound, create-user, enrol-code, `anju edge enrol`, `anju edge run`, `anju sim run`.
Passes when one door_forced alert (gate scenario door-forced) and one intrusion alert with its
snapshot (camera scenario night-intrusion, real detection on arm64) reach the gateway.

Usage: arm_e2e.py --root ROOT --venv /opt/anju/venv --run-dir /opt/arm-check --logs DIR
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import paho.mqtt.client as mqtt
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from anju.broker import base_config
from anju.netutil import free_port, wait_for_port

logger = logging.getLogger("arm-e2e")

COMPOUND = "arm-c1"
PRECINCT = "arm-p1"
OFFICER, PASSWORD = "arm.officer", "arm-officer-pass"
TIMEZONE = "Asia/Shanghai"
# Emulated arm64 is ~300x slower than native: starting Python with numpy, OpenCV and
# onnxruntime takes tens of seconds and one inference about 12 s. Generous, but bounded.
EDGE_ONLINE_S = 240.0
GATE_ALERT_S = 120.0
CAMERA_ALERT_S = 420.0
T = TypeVar("T")


class Failed(Exception):
    pass


def host_anju(*args: str, env: dict[str, str] | None = None) -> str:
    """`anju ...` on this host (x86), from the host venv."""
    run = subprocess.run(
        [sys.executable, "-m", "anju", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    if run.returncode != 0:
        raise Failed(f"anju {' '.join(args)}: exit {run.returncode}\n{run.stderr[-2000:]}")
    return run.stdout


class Root:
    """Commands inside the arm64 root, with a clean environment."""

    def __init__(self, root: Path, venv: str, run_dir: str, qemu_cpu: str | None) -> None:
        self.root = root
        self.venv = venv
        self.run_dir = run_dir
        self.qemu_cpu = qemu_cpu

    def host_path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")

    def argv(self, *args: str) -> list[str]:
        return ["chroot", str(self.root), *args]

    @property
    def env(self) -> dict[str, str]:
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "ANJU_LOG_LEVEL": "info",
        }
        if self.qemu_cpu:
            env["QEMU_CPU"] = self.qemu_cpu
        return env

    def anju(self, *args: str, timeout: float = 300) -> str:
        run = subprocess.run(
            self.argv(f"{self.venv}/bin/anju", *args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
        )
        if run.returncode != 0:
            raise Failed(f"(arm64) anju {' '.join(args)}: exit {run.returncode}\n{run.stderr}")
        return run.stdout

    def spawn(self, log: Path, *args: str) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(
                self.argv(*args), stdout=out, stderr=subprocess.STDOUT, env=self.env
            )


def say(message: str) -> None:
    logger.info(message)


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, every: float = 1.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@contextmanager
def running(
    proc: subprocess.Popen[bytes], name: str, strict: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """Stop the process at the end; with ``strict``, a clean stop must end in exit 0 (the edge:
    it leaves cleanly even with an emulated inference still running, anju_edge/shutdown.py)."""
    finished = False
    try:
        yield proc
        finished = True
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                logger.warning("%s ignored SIGTERM for 60 s: killing it", name)
                proc.kill()
                proc.wait()
            if proc.returncode not in (0, -signal.SIGTERM):
                if strict and finished:
                    raise Failed(f"{name} exited with {proc.returncode} after SIGTERM")
                logger.warning("note: %s exited with %s after SIGTERM", name, proc.returncode)


def start_mosquitto(root: Root, logs: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Debian arm64's Mosquitto with the project's base config, on a free loopback port."""
    port = free_port()
    folder = f"{root.run_dir}/broker"
    root.host_path(folder).mkdir(parents=True, exist_ok=True)
    conf = root.host_path(f"{folder}/mosquitto.conf")
    conf.write_text(
        base_config()
        + f"\nlistener {port} 127.0.0.1\nallow_anonymous true\nuser root\n"
        + f"persistence_location {folder}/\nlog_dest stdout\n",
        "utf-8",
    )
    proc = root.spawn(
        logs / "mosquitto.log", "/usr/sbin/mosquitto", "-c", f"{folder}/mosquitto.conf"
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
    except TimeoutError:
        proc.terminate()
        raise Failed("Mosquitto (arm64) did not listen within 60 s") from None
    return proc, port


def start_gateway(data: Path, logs: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    host_anju(
        "gateway",
        "add-compound",
        COMPOUND,
        "--precinct",
        PRECINCT,
        "--name",
        "ARM 小区",
        "--data-dir",
        str(data),
    )
    host_anju(
        "gateway",
        "create-user",
        OFFICER,
        "--role",
        "officer",
        "--precinct",
        PRECINCT,
        "--data-dir",
        str(data),
        env={"ANJU_PASSWORD": PASSWORD},
    )
    code = host_anju("gateway", "enrol-code", "--compound", COMPOUND, "--data-dir", str(data))
    port = free_port()
    with (logs / "gateway.log").open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "anju",
                "gateway",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(data),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for_port("127.0.0.1", port, timeout=30)
    return proc, f"http://127.0.0.1:{port}", code.strip()


def edge_config(root: Root, broker_port: int, gateway_url: str) -> str:
    """The edge's config: the gates and cameras the two scenarios need, schedules moved to now."""
    fragments = [
        yaml.safe_load(host_anju("sim", "edge-config", "--scenario", name, "--timezone", TIMEZONE))
        for name in ("door-forced", "night-intrusion")
    ]
    config: dict[str, Any] = {
        "compound_id": COMPOUND,
        "name": "ARM 小区",
        "timezone": TIMEZONE,
        "data_dir": f"{root.run_dir}/edge",
        "log_level": "info",
        "metrics_port": 0,
        "broker": {"host": "127.0.0.1", "port": broker_port, "client_id": "anju-edge-arm64"},
        "gateway": {"url": gateway_url, "heartbeat_s": 5},
        "detector": {"models_dir": f"{root.run_dir}/models"},
        "console": {"port": 0},
        "gates": [g for f in fragments for g in f.get("gates", [])],
        "cameras": [c for f in fragments for c in f.get("cameras", [])],
    }
    path = f"{root.run_dir}/edge.yaml"
    root.host_path(path).write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


def wait_edge_online(broker_port: int, timeout: float) -> None:
    """The edge publishes its retained `online` after subscribing: then no event is missed."""
    online = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="arm-check-watch")

    def on_message(_c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        if msg.payload == b"online":
            online.set()

    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe(f"anju/{COMPOUND}/edge/status", qos=1)
    client.connect("127.0.0.1", broker_port)
    client.loop_start()
    try:
        if not online.wait(timeout):
            raise Failed(f"the arm64 edge did not come online within {timeout:.0f} s")
    finally:
        client.loop_stop()
        client.disconnect()


class Officer:
    def __init__(self, gateway_url: str) -> None:
        self.http = httpx.Client(base_url=gateway_url, timeout=10)
        login = self.http.post(
            "/api/v1/auth/login", json={"username": OFFICER, "password": PASSWORD}
        )
        login.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {login.json()['token']}"

    def alert(self, kind: str) -> dict[str, Any] | None:
        alerts = self.http.get("/api/v1/alerts", params={"kind": kind}).json()["alerts"]
        return alerts[0] if alerts else None


def play(scenario: str, broker_port: int) -> None:
    out = host_anju(
        "sim",
        "run",
        "--scenario",
        scenario,
        "--compound",
        COMPOUND,
        "--broker",
        f"mqtt://127.0.0.1:{broker_port}",
        # One inference takes 12-35 s under qemu: the gateway is waited for below, with the
        # emulation's own timeouts, rather than by the simulator's check.
        "--no-check",
    )
    say(out.strip().splitlines()[-1])


def run(root: Root, logs: Path, work: Path) -> None:
    with ExitStack() as stack:
        proc, broker_port = start_mosquitto(root, logs)
        stack.enter_context(running(proc, "mosquitto"))
        say(f"Mosquitto (arm64) on 127.0.0.1:{broker_port}")
        gw, gateway_url, code = start_gateway(work / "gateway", logs)
        stack.enter_context(running(gw, "gateway"))
        say(f"gateway (host) on {gateway_url}; enrolment code issued")
        config = edge_config(root, broker_port, gateway_url)
        say(root.anju("edge", "check-config", config).strip())
        say(
            root.anju(
                "edge", "enrol", "--gateway", gateway_url, "--code", code, "--config", config
            ).strip()
        )
        edge = root.spawn(logs / "edge.log", f"{root.venv}/bin/anju", "edge", "run", "-c", config)
        stack.enter_context(running(edge, "edge", strict=True))
        wait_edge_online(broker_port, EDGE_ONLINE_S)
        say("edge (arm64) online and subscribed")
        officer = Officer(gateway_url)

        play("door-forced", broker_port)
        door = wait_for(
            "door_forced at the gateway", lambda: officer.alert("door_forced"), GATE_ALERT_S
        )
        if (door["source_id"], door["compound_id"]) != ("north-gate", COMPOUND):
            raise Failed(f"unexpected door_forced alert: {door}")
        say(f"door_forced alert at the gateway: {door['id']} from {door['source_id']}")

        play("night-intrusion", broker_port)
        intrusion = wait_for(
            "the camera's intrusion alert at the gateway",
            lambda: officer.alert("intrusion"),
            CAMERA_ALERT_S,
            every=2.0,
        )
        labels = [o["label"] for o in intrusion["objects"]]
        if intrusion["source_id"] != "perimeter-east" or "person" not in labels:
            raise Failed(f"unexpected intrusion alert: {intrusion}")
        jpeg = officer.http.get(f"/api/v1/alerts/{intrusion['id']}/snapshot.jpg")
        if jpeg.status_code != 200 or jpeg.content[:2] != b"\xff\xd8":
            raise Failed(f"intrusion snapshot: HTTP {jpeg.status_code}")
        say(
            f"intrusion alert at the gateway: {intrusion['id']} from {intrusion['source_id']}, "
            f"objects {labels}, snapshot {len(jpeg.content)} bytes (annotated on arm64)"
        )
        if edge.poll() is not None:
            raise Failed(f"the arm64 edge exited with {edge.returncode}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--venv", required=True, help="The venv's path inside the root.")
    parser.add_argument("--run-dir", required=True, help="This run's folder inside the root.")
    parser.add_argument("--logs", type=Path, required=True, help="Where the logs are kept.")
    parser.add_argument("--qemu-cpu", help="QEMU_CPU for the emulated commands (none: native).")
    args = parser.parse_args()
    # Stopped by arm_check.sh's trap: leave through the finally blocks, which stop what we started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    logging.basicConfig(level=logging.INFO, format="[arm-e2e %(relativeCreated)6.0fms] %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    root = Root(args.root.resolve(), args.venv, args.run_dir, args.qemu_cpu)
    work = root.host_path(f"{args.run_dir}/host")
    work.mkdir(parents=True, exist_ok=True)
    args.logs.mkdir(parents=True, exist_ok=True)
    try:
        run(root, args.logs, work)
    except Failed as exc:
        print(f"arm-check: FAIL: {exc}", file=sys.stderr)
        for name in ("edge.log", "gateway.log", "mosquitto.log"):
            log = args.logs / name
            if log.exists():
                tail = log.read_text("utf-8", "replace").splitlines()[-25:]
                print(f"--- last lines of {log}:", *tail, sep="\n", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
