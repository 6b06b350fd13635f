"""`make install-check`: the installer's path (docs/install.md) on two blank Debian 12 boxes.

Boots a gateway box and an edge box with systemd-nspawn (install_boxes.py), runs the real
playbooks against them over SSH from .venv-ansible with an inventory made from
deploy/ansible/inventory.example.yml, and asserts what an installer relies on
(install_steps.py, install_more.py). The boxes, their network and mounts are removed on exit,
on failure and on Ctrl-C/SIGTERM too. Needs root (debootstrap, mounts, namespaces).

    .venv/bin/python -m tests.machines.install_check [--logs DIR] [--only-basic]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

from tests.machines import install_boxes as boxes
from tests.machines import install_replicas
from tests.machines import install_steps as steps
from tests.machines.install_ctl import (
    EDGE,
    GATEWAY,
    REPO,
    SERVER_NAME,
    CheckFailed,
    Controller,
    GatewayApi,
    check_inventory,
    edge_host_vars,
    make_test_ca,
    write_inventory,
)
from tests.machines.install_proxy import EgressProxy

log = logging.getLogger("install-check")

SUBNET = os.environ.get("ANJU_INSTALL_CHECK_SUBNET", "10.219.19")
HOST_IP, GATEWAY_IP, EDGE_IP = f"{SUBNET}.1", f"{SUBNET}.2", f"{SUBNET}.3"
PROXY_PORT = 3128
# Where apt and pip on the boxes may go (through the proxy): the host's Debian mirror and PyPI.
ALLOWED_HOSTS = {"deb.debian.org", "security.debian.org", "pypi.org", "files.pythonhosted.org"}
RUN_PREFIX = "anju-install-check-"
DOCS_BUILD_WHEEL = ".venv/bin/pip wheel --no-deps -w dist ."
CONSTRAINTS = REPO / "deploy/ansible/roles/anju_common/files/constraints.txt"


class Timings:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.rows: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        t = time.monotonic()
        log.info("== %s", name)
        try:
            yield
        finally:
            self.rows.append((name, time.monotonic() - t))

    def report(self) -> str:
        lines = [f"  {s:7.1f} s  {n}" for n, s in self.rows]
        lines.append(f"  {time.monotonic() - self.started:7.1f} s  total")
        return "\n".join(lines)


def preflight() -> None:
    if os.geteuid() != 0:
        sys.exit("install-check needs root (debootstrap, overlay mounts, network namespaces)")
    if platform.machine() not in ("x86_64", "aarch64"):
        sys.exit(f"install-check runs on a 64-bit host (x86_64/aarch64), not {platform.machine()}")
    missing = [
        t
        for t in ("debootstrap", "systemd-nspawn", "openssl", "ssh", "curl", "ip")
        if not shutil.which(t)
    ]
    if missing:
        sys.exit(f"missing tools: {' '.join(missing)} (make install-check installs them as root)")


def reap_leftovers() -> None:
    """What a killed earlier run left: its containers (by the pids it recorded), mounts, links."""
    for run_dir in Path("/var/tmp").glob(RUN_PREFIX + "*"):
        pids = (run_dir / "pids").read_text().split() if (run_dir / "pids").exists() else []
        for pid in map(int, pids):
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"systemd-nspawn" in cmdline and str(run_dir).encode() in cmdline:
                    log.warning("stopping container %d left by an earlier run", pid)
                    os.kill(pid, signal.SIGTERM)  # nspawn powers the container off
                    for _ in range(40):
                        if not Path(f"/proc/{pid}").exists():
                            break
                        time.sleep(1)
                    else:
                        os.killpg(pid, signal.SIGKILL)
        for mount in reversed(Path("/proc/mounts").read_text().splitlines()):
            point = mount.split()[1]
            if point.startswith(str(run_dir)):
                boxes.run("umount", "--lazy", point, check=False)
        if not any(str(run_dir) in m for m in Path("/proc/mounts").read_text().splitlines()):
            shutil.rmtree(run_dir, ignore_errors=True)
    for short in ("gw", "edge"):
        boxes.netns_down(boxes.Box("", short, "", Path()))
    boxes.bridge_down()


def build_wheel() -> Path:
    """docs/install.md step 2, as written."""
    version = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    subprocess.run(["bash", "-c", DOCS_BUILD_WHEEL], cwd=REPO, check=True, capture_output=True)
    wheel = REPO / "dist" / f"anju-{version}-py3-none-any.whl"
    if not wheel.exists():
        raise CheckFailed(f"{DOCS_BUILD_WHEEL} did not make {wheel}")
    return wheel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=Path, default=REPO / "test-artifacts" / "install-check")
    parser.add_argument("--only-basic", action="store_true", help="stop after the first runs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    preflight()
    cache = boxes.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(args.logs, ignore_errors=True)
    args.logs.mkdir(parents=True)
    # One check at a time on this machine, whatever its cache: the bridge and namespaces are named.
    lock = os.open("/run/lock/anju-install-check.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(lock, fcntl.LOCK_EX)  # held until the process ends
    reap_leftovers()

    def stop_on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, stop_on_signal)

    run_dir = Path(tempfile.mkdtemp(prefix=RUN_PREFIX, dir="/var/tmp"))
    gw = boxes.Box(GATEWAY, "gw", GATEWAY_IP, run_dir / "gw")
    edge = boxes.Box(
        EDGE, "edge", EDGE_IP, run_dir / "edge", extra_hosts=[f"{GATEWAY_IP} {SERVER_NAME}"]
    )
    proxy = EgressProxy(HOST_IP, PROXY_PORT, ALLOWED_HOSTS)
    t = Timings()
    try:
        with t.step("wheel, test CA, SSH key"):
            wheel = build_wheel()
            make_test_ca(run_dir / "tls")
            key = run_dir / "id_ed25519"
            boxes.run(
                "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "install-check", "-f", key
            )
        with t.step("pristine Debian 12 root and dependency wheels (cached)"):
            pristine = boxes.pristine_root(cache)
            boxes.wheelhouse(cache, wheel, CONSTRAINTS)
        with t.step("boot both boxes"):
            boxes.bridge_up(HOST_IP)
            proxy.start()
            known = ""
            for box in (gw, edge):
                known += boxes.prepare_root(
                    box, pristine, key.with_suffix(".pub").read_text(), proxy.url
                )
                boxes.netns_up(box)
                boxes.boot(box, cache)
                with (run_dir / "pids").open("a") as f:
                    f.write(f"{box.proc.pid}\n" if box.proc else "")
            ctl = Controller(run_dir, args.logs, {GATEWAY: GATEWAY_IP, EDGE: EDGE_IP})
            ctl.write_ssh_config(known)
            for host in (GATEWAY, EDGE):
                steps.wait_booted(ctl, host)
        inv = check_inventory(ctl.addresses, ctl.ssh_config, wheel, run_dir / "tls")
        write_inventory(ctl.inventory, inv)
        inv_edge = edge_host_vars(inv)
        api = GatewayApi(GATEWAY_IP, run_dir / "tls/ca.crt", "zhang.wei", steps.OFFICER_PASSWORD)
        with t.step("gateway.yml on the blank gateway"):
            ctl.playbook("gateway.yml", label="gateway-first")
            steps.gateway_setup(ctl)
        with t.step("edge.yml on the blank edge box"):
            out = ctl.playbook("edge.yml", "--limit", EDGE, label="edge-first")
            steps.first_edge_run(out)
        with t.step("services active, sandbox exposure"):
            steps.units_active(ctl)
            steps.exposure(ctl)
        with t.step("gate event -> gateway over HTTPS; ACL; detection"):
            steps.publish_gate_event(ctl, inv_edge, "north-gate", 1)
            steps.wait_for_alert(api, "north-gate", "door_forced")
            steps.https_path(ctl, EDGE_IP)
            steps.acl_refuses_foreign_topic(EDGE_IP, inv_edge)
            steps.detection_runs(ctl, EDGE_IP, inv_edge)
        with t.step("PostgreSQL, two replicas, one stopped; backup and restore"):
            install_replicas.run_all(ctl, api)
        if not args.only_basic:
            from tests.machines import install_more

            install_more.run_all(ctl, t, inv, api)
        log.info("install-check passed; timings:\n%s", t.report())
        return 0
    except CheckFailed as exc:
        log.error("install-check FAILED: %s", exc)
        log.info("timings:\n%s", t.report())
        return 1
    finally:
        for box in (edge, gw):
            with contextlib.suppress(Exception):
                if box.proc is not None and (box.run_dir / "console.log").exists():
                    shutil.copy(box.run_dir / "console.log", args.logs / f"console-{box.short}.log")
            boxes.stop(box)
        proxy.stop()
        boxes.bridge_down()
        if not any(str(run_dir) in m for m in Path("/proc/mounts").read_text().splitlines()):
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            log.error("%s still has mounts: left in place", run_dir)


if __name__ == "__main__":
    sys.exit(main())
