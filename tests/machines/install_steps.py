"""What the installer's check asserts on the two boxes, step by step (install_check.py runs them).

Commands an installer types are taken from docs/install.md as written (DOCS_* below; the unit
test tests/deploy/test_install_check_docs.py keeps them verbatim in the docs)."""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.machines.install_ctl import (
    EDGE,
    GATEWAY,
    REPO,
    Controller,
    GatewayApi,
    expect,
    recap,
    wait_for,
)

log = logging.getLogger(__name__)

OFFICER_PASSWORD = "install-check-officer-1"
DOCS_ADD_COMPOUND = (
    "ssh pi@gw-xunyang.local sudo anju-gateway-admin add-compound lushan-01 "
    "--precinct xunyang --name 庐山小区"
)
DOCS_CREATE_USER = (
    "ssh pi@gw-xunyang.local sudo anju-gateway-admin create-user zhang.wei "
    "--role officer --precinct xunyang"
)
DOCS_GATE_EVENT = (
    "mosquitto_pub -h 127.0.0.1 -u north-gate -P '<north-gate password>' -q 1 \\\n"
    "  -t anju/lushan-01/gate/north-gate/event \\\n"
    '  -m "{\\"v\\": 1, \\"seq\\": 1, \\"ts\\": \\"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)\\", '
    '\\"type\\": \\"door_forced\\", \\"direction\\": \\"in\\"}"'
)
EDGE_UNITS = ("mosquitto", "anju-edge")
# The example inventory's two replicas on Debian 12's PostgreSQL (15).
GATEWAY_REPLICAS = ("anju-gateway@8001", "anju-gateway@8002")
GATEWAY_UNITS = ("nginx", "postgresql@15-main", *GATEWAY_REPLICAS)
ANJU_UNITS = {GATEWAY: "anju-gateway@8001", EDGE: "anju-edge"}
MAX_EXPOSURE = 3.0
EXPOSURE = re.compile(r"Overall exposure level for (\S+): ([\d.]+) (\w+)")


def gate_password(inv_edge: dict[str, Any], gate: str) -> str:
    return next(g["mqtt_password"] for g in inv_edge["anju_gates"] if g["id"] == gate)


def main_pid(ctl: Controller, host: str, unit: str) -> int:
    return int(ctl.sh(host, f"systemctl show -p MainPID --value {unit}").strip())


def wait_booted(ctl: Controller, host: str) -> None:
    def state() -> str | None:
        res = ctl.ssh(host, "systemctl is-system-running --wait", timeout=120)
        return res.stdout.strip() if res.returncode in (0, 1) and res.stdout.strip() else None

    log.info("%s: booted (%s)", host, wait_for(f"{host} to boot and answer SSH", state, 120))


def units_active(ctl: Controller) -> None:
    for host, units in ((GATEWAY, GATEWAY_UNITS), (EDGE, EDGE_UNITS)):
        res = ctl.ssh(host, "systemctl is-active " + " ".join(units))
        states = res.stdout.split()
        log.info("%s: %s", host, ", ".join(f"{u} {s}" for u, s in zip(units, states, strict=False)))
        expect(
            states == ["active"] * len(units),
            f"{host}: units not active: {dict(zip(units, states, strict=False))}\n"
            + ctl.ssh(host, "sudo journalctl -n 60 --no-pager -u " + " -u ".join(units)).stdout,
        )
    # Still the same process a few seconds later: not crash-looping under Restart=on-failure.
    time.sleep(5)
    for host, unit in [*((GATEWAY, u) for u in GATEWAY_REPLICAS), (EDGE, ANJU_UNITS[EDGE])]:
        restarts = ctl.sh(host, f"systemctl show -p NRestarts --value {unit}").strip()
        expect(
            restarts == "0",
            f"{host}: {unit} restarted {restarts} times:\n"
            + ctl.ssh(host, f"sudo journalctl -n 60 --no-pager -u {unit}").stdout,
        )


def exposure(ctl: Controller) -> dict[str, float]:
    """`systemd-analyze security` of the Anju units, printed and bounded."""
    found = {}
    for host, unit in ANJU_UNITS.items():
        out = ctl.sh(host, f"systemd-analyze security --no-pager {unit}")
        match = EXPOSURE.search(out)
        expect(match, f"{host}: no exposure level in:\n{out[-2000:]}")
        assert match is not None
        value = float(match[2])
        log.info("%s: systemd-analyze security %s: %.1f %s", host, unit, value, match[3])
        print(f"  {host}: {match[0]}", flush=True)
        expect(
            value <= MAX_EXPOSURE,
            f"{unit} exposure {value} > {MAX_EXPOSURE}:\n{out}",
        )
        found[unit] = value
    return found


def gateway_setup(ctl: Controller) -> None:
    """docs/install.md step 4, after gateway.yml: the compound and an officer."""
    ctl.doc(DOCS_ADD_COMPOUND)
    # The password prompt reads stdin when there is no terminal.
    ctl.doc(DOCS_CREATE_USER, stdin=OFFICER_PASSWORD + "\n")


def first_edge_run(output: str) -> None:
    expect(
        re.search(r"TASK \[anju_edge : Fetch a one-time enrolment code[^\n]*\nchanged", output),
        "the edge play did not fetch an enrolment code from the gateway",
    )
    expect(
        re.search(r"TASK \[anju_edge : Enrol with the gateway, once[^\n]*\nchanged", output),
        "the edge play did not enrol",
    )


def enrolled_edges(ctl: Controller) -> list[str]:
    out = ctl.sh(
        GATEWAY,
        "sudo anju-gateway-admin list-edges --compound lushan-01",
    )
    # id, compound, host and enrolment time; "last seen" moves with every heartbeat.
    return [line.split("  last seen")[0] for line in out.splitlines() if line.strip()]


def token_digest(ctl: Controller) -> str:
    return ctl.sh(EDGE, "sudo sha256sum /var/lib/anju/edge/token").split()[0]


def publish_gate_event(ctl: Controller, inv_edge: dict[str, Any], gate: str, seq: int) -> None:
    """The docs' forced-door command, run on the edge box with the gate's own credentials."""
    command = DOCS_GATE_EVENT.replace("<north-gate password>", gate_password(inv_edge, gate))
    command = command.replace("north-gate", gate).replace('\\"seq\\": 1', f'\\"seq\\": {seq}')
    ctl.sh(EDGE, "bash -s", stdin=command + "\n")


def wait_for_alert(api: GatewayApi, gate: str, kind: str, timeout: float = 90) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        return next((a for a in api.alerts() if a["source_id"] == gate and a["kind"] == kind), None)

    alert: dict[str, Any] = wait_for(f"a {kind} alert of {gate} at the gateway", find, timeout, 2)
    log.info("alert %s of %s reached the gateway: %s", alert["id"], gate, alert["severity"])
    return alert


def https_path(ctl: Controller, edge_ip: str) -> None:
    """The edge posted its alert to nginx on 443 (TLS), never to uvicorn directly."""
    log_lines = ctl.sh(GATEWAY, "sudo cat /var/log/nginx/access.log")
    posts = [ln for ln in log_lines.splitlines() if ln.startswith(edge_ip) and "POST" in ln]
    expect(
        any("/api/v1/edge/alerts" in ln and '" 200 ' in ln for ln in posts),
        f"no POST /api/v1/edge/alerts from {edge_ip} in nginx's access log:\n{log_lines[-2000:]}",
    )
    listening = ctl.sh(GATEWAY, "sudo ss -Hltn")
    addresses = {line.split()[3] for line in listening.splitlines() if len(line.split()) > 3}
    for port in ("8001", "8002"):
        expect(f"127.0.0.1:{port}" in addresses, f"no replica on 127.0.0.1:{port}:\n{listening}")
    expect(
        not {a for a in addresses if a.rsplit(":", 1)[1] in ("8001", "8002", "5432")}
        - {"127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:5432", "[::1]:5432"},
        f"the replicas or PostgreSQL listen beyond loopback:\n{listening}",
    )
    expect(any(a.endswith(":443") for a in addresses), f"nginx is not on 443:\n{listening}")


def _client(user: str, password: str) -> mqtt.Client:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"check-{user}", protocol=mqtt.MQTTv5)
    c.username_pw_set(user, password)
    return c


def acl_refuses_foreign_topic(edge_ip: str, inv_edge: dict[str, Any]) -> None:
    """north-gate, logged in with its own password from the LAN, publishes on garage-gate's
    topic: the broker answers "Not authorized" and the edge's own subscription never sees it,
    while north-gate's own status topic goes through. A wrong password is refused at connect."""
    received: list[str] = []
    subscribed = threading.Event()
    edge = _client("anju-edge", inv_edge["anju_edge_mqtt_password"])
    edge.on_connect = lambda c, *_: c.subscribe("anju/lushan-01/gate/#", qos=1)
    edge.on_subscribe = lambda *_: subscribed.set()
    edge.on_message = lambda _c, _u, msg: received.append(msg.topic)
    gate = _client("north-gate", gate_password(inv_edge, "north-gate"))
    acks: dict[int, int] = {}
    gate.on_publish = lambda _c, _u, mid, rc, _p: acks.__setitem__(mid, rc.value)
    clients = [edge, gate]
    try:
        for c in clients:
            c.connect(edge_ip, 1883)
            c.loop_start()
        expect(subscribed.wait(15), "the edge's subscription was not acknowledged")
        forged = gate.publish(
            "anju/lushan-01/gate/garage-gate/event",
            b'{"v": 1, "seq": 7, "ts": "2026-01-01T00:00:00.000Z", "type": "door_held_open"}',
            qos=1,
        )
        forged.wait_for_publish(10)
        own = gate.publish("anju/lushan-01/gate/north-gate/status", b'{"v": 1}', qos=1)
        own.wait_for_publish(10)
        wait_for("north-gate's own status at the edge", lambda: received, 15, 0.2)
        expect(
            received == ["anju/lushan-01/gate/north-gate/status"],
            f"the edge's subscription saw {received}",
        )
        wait_for("the PUBACK of the forged event", lambda: forged.mid in acks, 10, 0.2)
        expect(acks[forged.mid] == 135, f"forged publish acknowledged with {acks[forged.mid]}")
        log.info("ACL: north-gate on garage-gate's topic -> Not authorized (135); own topic ok")
    finally:
        for c in clients:
            c.loop_stop()
            c.disconnect()
    bad = _client("north-gate", "not-the-password")
    codes: list[Any] = []
    bad.on_connect = lambda _c, _u, _f, rc, _p: codes.append(rc)
    bad.connect(edge_ip, 1883)
    bad.loop_start()
    try:
        wait_for("the broker's answer to a wrong password", lambda: codes, 10, 0.2)
        expect(codes[0].is_failure, f"a wrong password was accepted: {codes[0]}")
    finally:
        bad.loop_stop()


def detection_runs(ctl: Controller, edge_ip: str, inv_edge: dict[str, Any]) -> None:
    """A snapshot from lobby-1 (its own login) goes through the model inside the sandboxed unit:
    onnxruntime and OpenCV work under MemoryDenyWriteExecute and the system call filter."""
    cam = next(c for c in inv_edge["anju_cameras"] if c["id"] == "lobby-1")
    jpeg = (REPO / "models/reference/vtest_0000.jpg").read_bytes()
    client = _client("lobby-1", cam["mqtt_password"])
    client.connect(edge_ip, 1883)
    client.loop_start()
    try:
        client.publish("anju/lushan-01/camera/lobby-1/status", b"online", qos=1, retain=True)
        client.publish("anju/lushan-01/camera/lobby-1/snapshot", jpeg, qos=0).wait_for_publish(10)
        wait_for(
            "the edge to run the model on lobby-1's snapshot",
            lambda: edge_metric(ctl, "anju_edge_frames_detected_total") >= 1,
            90,
            2,
        )
    finally:
        client.loop_stop()
        client.disconnect()
    log.info("detection ran on a snapshot inside the sandboxed anju-edge")


METRICS = (
    'sudo /opt/anju/venv/bin/python -c "import urllib.request as u; '
    "print(u.urlopen('http://127.0.0.1:9108/metrics', timeout=5).read().decode())\""
)


def edge_metric(ctl: Controller, name: str) -> float:
    """A metric of the edge (served on the box's loopback); -1 while it cannot be read."""
    res = ctl.ssh(EDGE, METRICS)
    match = re.search(rf"^{name} ([\d.e+]+)$", res.stdout, re.M)
    return float(match[1]) if res.returncode == 0 and match else -1.0


def idempotent(output: str) -> None:
    changed = {h: v["changed"] for h, v in recap(output).items()}
    log.info("second run: %s", changed)
    expect(changed == {GATEWAY: 0, EDGE: 0}, f"the second run changed something: {changed}")


def now_z() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
