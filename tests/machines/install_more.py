"""The installer's check after the first install: a second run changes nothing, a config change
is checked before the edge restarts (a refused one changes nothing), and an upgrade to a newer
wheel restarts the services and keeps the outbox and the data."""

from __future__ import annotations

import copy
import logging
import re
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.machines import install_steps as steps
from tests.machines.install_ctl import (
    EDGE,
    GATEWAY,
    REPO,
    Controller,
    GatewayApi,
    edge_host_vars,
    expect,
    wait_for,
    write_inventory,
)

log = logging.getLogger(__name__)

NEW_CAMERA = {
    "id": "garage-ramp",
    "name": "地库坡道",
    "mqtt_password": "change-me-garage-ramp-cam",
    "zones": [{"id": "ramp", "polygon": [[0.1, 0.5], [0.9, 0.5], [0.9, 1.0], [0.1, 1.0]]}],
    "rules": [
        {"type": "intrusion", "zone": "ramp", "schedule": [{"start": "23:00", "end": "05:00"}]}
    ],
}
# A rule naming a zone the camera does not have: the edge's own loader refuses the config.
BAD_CAMERA = {
    "id": "bad-camera",
    "mqtt_password": "change-me-bad-camera-pw",
    "rules": [{"type": "intrusion", "zone": "nowhere"}],
}
UPGRADE_VERSION_SUFFIX = "+installcheck.2"


def file_digest(ctl: Controller, host: str, path: str) -> str:
    return ctl.sh(host, f"sudo sha256sum {path}").split()[0]


def installed_version(ctl: Controller, host: str) -> str:
    cmd = (
        "/opt/anju/venv/bin/python -c 'import importlib.metadata as m; print(m.version(\"anju\"))'"
    )
    return ctl.sh(host, cmd).strip()


def outbox_depth(ctl: Controller) -> float:
    return steps.edge_metric(ctl, "anju_edge_outbox_depth")


def ran_before(output: str, first: str, then: str) -> bool:
    a, b = output.find(first), output.find(then)
    return 0 <= a < b


def second_run(ctl: Controller) -> None:
    token = steps.token_digest(ctl)
    edges = steps.enrolled_edges(ctl)
    expect(len(edges) == 1, f"expected one enrolled edge box, found {edges}")
    out = ctl.playbook("site.yml", label="site-second")
    steps.idempotent(out)
    expect(
        re.search(r"TASK \[anju_edge : Fetch a one-time enrolment code[^\n]*\nskipping", out),
        "the second run fetched an enrolment code again",
    )
    expect(steps.token_digest(ctl) == token, "the second run replaced the device token")
    expect(steps.enrolled_edges(ctl) == edges, "the second run enrolled the box again")


def new_camera(ctl: Controller, inv: dict[str, Any]) -> None:
    pid = steps.main_pid(ctl, EDGE, "anju-edge")
    edge_vars = edge_host_vars(inv)
    edge_vars["anju_cameras"].append(copy.deepcopy(NEW_CAMERA))
    write_inventory(ctl.inventory, inv)
    out = ctl.playbook("edge.yml", "--limit", EDGE, label="edge-new-camera")
    expect(
        ran_before(
            out,
            "RUNNING HANDLER [anju_edge : Validate the edge config]",
            "RUNNING HANDLER [anju_edge : Restart anju-edge]",
        ),
        "the new config was not checked with 'anju edge check-config' before the restart",
    )
    expect(steps.main_pid(ctl, EDGE, "anju-edge") != pid, "anju-edge was not restarted")
    checked = ctl.sh(
        EDGE, "sudo -u anju /opt/anju/venv/bin/anju edge check-config /etc/anju/edge.yaml"
    )
    cameras = len(edge_vars["anju_cameras"])
    expect(f"{cameras} camera(s)" in checked, f"the installed config: {checked}")
    steps.units_active(ctl)
    # The camera's own login works on the box's broker.
    codes: list[Any] = []
    cam = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="check-cam", protocol=mqtt.MQTTv5)
    cam.username_pw_set(NEW_CAMERA["id"], NEW_CAMERA["mqtt_password"])
    cam.on_connect = lambda _c, _u, _f, rc, _p: codes.append(rc)
    cam.connect(ctl.addresses[EDGE], 1883)
    cam.loop_start()
    try:
        wait_for("the new camera's login", lambda: codes, 10, 0.2)
        expect(not codes[0].is_failure, f"the new camera was refused: {codes[0]}")
    finally:
        cam.loop_stop()
        cam.disconnect()


def refused_camera(ctl: Controller, inv: dict[str, Any]) -> None:
    watched = {
        "/etc/anju/edge.yaml": file_digest(ctl, EDGE, "/etc/anju/edge.yaml"),
        "/etc/mosquitto/anju.passwd": file_digest(ctl, EDGE, "/etc/mosquitto/anju.passwd"),
        "/etc/mosquitto/anju.acl": file_digest(ctl, EDGE, "/etc/mosquitto/anju.acl"),
    }
    pids = {u: steps.main_pid(ctl, EDGE, u) for u in steps.EDGE_UNITS}
    bad = copy.deepcopy(inv)
    edge_host_vars(bad)["anju_cameras"].append(copy.deepcopy(BAD_CAMERA))
    write_inventory(ctl.inventory, bad)
    try:
        out = ctl.playbook("edge.yml", "--limit", EDGE, label="edge-refused-camera", ok=False)
    finally:
        write_inventory(ctl.inventory, inv)
    expect("names zone 'nowhere'" in out, "the refusal does not name the bad rule's zone")
    for path, digest in watched.items():
        expect(file_digest(ctl, EDGE, path) == digest, f"the refused run changed {path}")
    after = {u: steps.main_pid(ctl, EDGE, u) for u in steps.EDGE_UNITS}
    expect(after == pids, f"the refused run restarted services: {pids} -> {after}")
    steps.units_active(ctl)


def build_newer_wheel(work: Path) -> Path:
    """The project with a bumped (local) version, built as docs/install.md builds a release."""
    src = work / "src"
    shutil.copytree(
        REPO,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", "var", "dist", "test-artifacts", "__pycache__", "*_cache"
        ),
    )
    pyproject = src / "pyproject.toml"
    version = tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"]
    newer = version + UPGRADE_VERSION_SUFFIX
    text = pyproject.read_text("utf-8").replace(f'version = "{version}"', f'version = "{newer}"', 1)
    pyproject.write_text(text, "utf-8")
    for init in src.glob("*/anju_*/__init__.py"):
        init.write_text(init.read_text("utf-8").replace(f'"{version}"', f'"{newer}"'), "utf-8")
    pip = REPO / ".venv/bin/pip"
    subprocess.run(
        [str(pip), "wheel", "--no-deps", "-w", str(work / "dist"), str(src)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheels = list((work / "dist").glob("anju-*.whl"))
    expect(len(wheels) == 1, f"expected one newer wheel, found {wheels}")
    return wheels[0]


def upgrade(ctl: Controller, inv: dict[str, Any], api: GatewayApi) -> None:
    """A newer wheel: the services restart on it, an alert waiting in the outbox while the gateway
    is down survives the edge's upgrade and arrives after, and the gateway keeps its data."""
    before = {a["id"] for a in api.alerts()}
    token = steps.token_digest(ctl)
    old_version = installed_version(ctl, EDGE)
    ctl.sh(GATEWAY, "sudo systemctl stop 'anju-gateway@*'")
    steps.publish_gate_event(ctl, edge_host_vars(inv), "garage-gate", 1)
    wait_for("the alert to wait in the edge's outbox", lambda: outbox_depth(ctl) >= 1, 60)
    with tempfile.TemporaryDirectory(dir=ctl.run_dir) as work:
        wheel = build_newer_wheel(Path(work))
        inv["all"]["vars"]["anju_wheel"] = str(wheel)
        write_inventory(ctl.inventory, inv)
        pids = {h: steps.main_pid(ctl, h, u) for h, u in steps.ANJU_UNITS.items()}
        out = ctl.playbook("edge.yml", "--limit", EDGE, label="edge-upgrade")
        expect("RUNNING HANDLER [anju_edge : Restart anju-edge]" in out, "no restart on upgrade")
        new_version = installed_version(ctl, EDGE)
        expect(new_version != old_version, f"the edge still runs {old_version}")
        expect(steps.main_pid(ctl, EDGE, "anju-edge") != pids[EDGE], "anju-edge not restarted")
        wait_for("the upgraded edge's metrics", lambda: outbox_depth(ctl) >= 0, 60)
        depth = outbox_depth(ctl)
        expect(depth >= 1, f"the upgrade lost the outbox (depth {depth})")
        log.info(
            "edge upgraded %s -> %s, the outbox still holds the alert", old_version, new_version
        )
        # A replica beyond anju_gateway_replicas (left by an earlier, larger number): the run
        # stops and disables it.
        ctl.sh(GATEWAY, "sudo systemctl enable --now anju-gateway@8003")
        out = ctl.playbook("gateway.yml", label="gateway-upgrade")
        expect(
            "Stop and disable the replicas beyond anju_gateway_replicas" in out,
            "the extra replica was not looked at",
        )
        extra = ctl.ssh(GATEWAY, "systemctl is-enabled anju-gateway@8003; systemctl is-active "
                        "anju-gateway@8003").stdout.split()  # fmt: skip
        expect(extra == ["disabled", "inactive"], f"anju-gateway@8003 is left {extra}")
    expect(installed_version(ctl, GATEWAY) == new_version, "the gateway was not upgraded")
    steps.units_active(ctl)
    alert = steps.wait_for_alert(api, "garage-gate", "door_forced", timeout=180)
    expect(before <= {a["id"] for a in api.alerts()}, "the gateway lost alerts in the upgrade")
    expect(alert["id"] not in before, "the outbox's alert was already delivered")
    expect(steps.token_digest(ctl) == token, "the upgrade replaced the device token")
    expect(len(steps.enrolled_edges(ctl)) == 1, "the upgrade enrolled the box again")


def run_all(ctl: Controller, t: Any, inv: dict[str, Any], api: GatewayApi) -> None:
    with t.step("second run of site.yml: changed=0, enrolled once"):
        second_run(ctl)
    with t.step("a new camera: checked, then the edge restarts"):
        new_camera(ctl, inv)
    with t.step("a refused camera: nothing on the box changes"):
        refused_camera(ctl, inv)
    with t.step("upgrade to a newer wheel: restarts, outbox and data kept"):
        upgrade(ctl, inv, api)
