"""The controller's side of the installer's check: the playbook, SSH to the boxes, the inventory
made from inventory.example.yml, a test CA, and the gateway's API over HTTPS."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = REPO / "deploy" / "ansible"
RECAP = re.compile(
    r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)
GATEWAY = "gw-xunyang"
EDGE = "edge-lushan-01"
SERVER_NAME = "gateway.xunyang-precinct.example"
# As docs/install.md runs it, from deploy/ansible.
PLAYBOOK = "../../.venv-ansible/bin/ansible-playbook"


class CheckFailed(AssertionError):
    pass


def expect(ok: object, message: str) -> None:
    if not ok:
        raise CheckFailed(message)


def recap(output: str) -> dict[str, dict[str, int]]:
    hosts = {
        m[1]: {"ok": int(m[2]), "changed": int(m[3]), "unreachable": int(m[4]), "failed": int(m[5])}
        for m in RECAP.finditer(output)
    }
    expect(hosts, f"no PLAY RECAP in the playbook's output:\n{output[-3000:]}")
    return hosts


def wait_for(what: str, probe: Callable[[], Any], timeout: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@dataclass
class Controller:
    run_dir: Path
    logs: Path
    addresses: dict[str, str]  # inventory host -> box address
    step: int = 0

    @property
    def ssh_config(self) -> Path:
        return self.run_dir / "ssh_config"

    @property
    def inventory(self) -> Path:
        return self.run_dir / "inventory.yml"

    def write_ssh_config(self, known_hosts: str) -> None:
        """`ssh pi@edge-lushan-01.local` (as in docs/install.md) reaches the box, with its host
        key checked; `ssh`/`scp` in run_dir/bin use this file."""
        (self.run_dir / "known_hosts").write_text(known_hosts, "utf-8")
        lines = []
        for host, ip in self.addresses.items():
            lines += [f"Host {host}.local {ip}", f"  HostName {ip}", f"  HostKeyAlias {ip}"]
        lines += [
            "Host *",
            "  User pi",
            f"  IdentityFile {self.run_dir / 'id_ed25519'}",
            "  IdentitiesOnly yes",
            f"  UserKnownHostsFile {self.run_dir / 'known_hosts'}",
            "  StrictHostKeyChecking yes",
            "  BatchMode yes",
            "  ConnectTimeout 10",
        ]
        self.ssh_config.write_text("\n".join(lines) + "\n", "utf-8")
        bindir = self.run_dir / "bin"
        bindir.mkdir(exist_ok=True)
        for tool in ("ssh", "scp"):
            wrapper = bindir / tool
            wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/{tool} -F {self.ssh_config} "$@"\n')
            wrapper.chmod(0o755)

    def ssh(
        self, host: str, command: str, *, stdin: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ssh", "-F", str(self.ssh_config), f"pi@{self.addresses[host]}", command],
            input=stdin,
            text=True,
            capture_output=True,
            timeout=timeout,
        )

    def sh(self, host: str, command: str, *, stdin: str | None = None, timeout: float = 120) -> str:
        """Run on the box; fail the check on a non-zero exit."""
        res = self.ssh(host, command, stdin=stdin, timeout=timeout)
        expect(
            res.returncode == 0,
            f"{host}: {command!r} exited {res.returncode}:\n"
            + res.stdout[-2000:]
            + res.stderr[-2000:],
        )
        return res.stdout

    def doc(self, command: str, *, stdin: str | None = None) -> str:
        """A command from docs/install.md, as written, run in bash on the controller with the
        check's ssh/scp in front (they know the boxes' names and the throwaway key)."""
        env = dict(os.environ, PATH=f"{self.run_dir / 'bin'}:{os.environ['PATH']}")
        res = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=REPO,
            env=env,
            input=stdin,
            text=True,
            capture_output=True,
            timeout=600,
        )
        expect(
            res.returncode == 0,
            f"docs command failed ({res.returncode}): {command}\n"
            + res.stdout[-3000:]
            + res.stderr[-3000:],
        )
        return res.stdout

    def playbook(self, name: str, *args: str, label: str, ok: bool = True) -> str:
        """`ansible-playbook -i inventory.yml NAME` from deploy/ansible, as docs/install.md runs
        it; the output goes to the logs folder. Returns the output."""
        self.step += 1
        out = self.logs / f"{self.step:02d}-{label}.log"
        cmd = [PLAYBOOK, "-i", str(self.inventory), name, *args]
        log.info("ansible-playbook %s %s (%s)", name, " ".join(args), label)
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
        started = time.monotonic()
        marks: list[tuple[float, str]] = []
        with out.open("w", encoding="utf-8") as f:
            f.write("$ " + shlex.join(cmd) + "\n")
            proc = subprocess.Popen(
                cmd, cwd=ANSIBLE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
            assert proc.stdout is not None
            try:
                for line in proc.stdout:
                    f.write(line)
                    f.flush()
                    if line.startswith(("TASK [", "RUNNING HANDLER [", "PLAY RECAP")):
                        marks.append((time.monotonic(), line.split(" ***")[0].strip()))
                returncode = proc.wait()
            except BaseException:  # stopped by a signal: the playbook goes too
                proc.terminate()
                proc.wait(30)
                raise
        slowest = sorted(((b[0] - a[0], a[1]) for a, b in itertools.pairwise(marks)), reverse=True)
        out.with_suffix(".slowest").write_text(
            "".join(f"{d:7.1f} s  {name}\n" for d, name in slowest[:15]), "utf-8"
        )
        text = out.read_text("utf-8")
        log.info("  ... exit %d in %.0f s (%s)", returncode, time.monotonic() - started, out)
        if ok:
            expect(returncode == 0, f"{label}: the playbook failed, see {out}:\n{text[-4000:]}")
        else:
            expect(returncode != 0, f"{label}: the playbook should have failed, see {out}")
        return text


def example_inventory() -> dict[str, Any]:
    data = yaml.safe_load((ANSIBLE_DIR / "inventory.example.yml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def check_inventory(
    addresses: dict[str, str], ssh_config: Path, wheel: Path, tls: Path
) -> dict[str, Any]:
    """inventory.example.yml with what an installer fills in: the boxes' addresses, the wheel,
    the TLS files. Every other value (compound, gates, cameras, passwords) stays the example's."""
    inv = example_inventory()
    top = inv["all"]
    top.setdefault("vars", {}).update(
        anju_wheel=str(wheel),
        # The throwaway key and the boxes' host keys.
        ansible_ssh_common_args=f"-F {ssh_config}",
    )
    gw = top["children"]["gateways"]["hosts"][GATEWAY]
    gw.update(
        ansible_host=addresses[GATEWAY],
        anju_gateway_tls_certificate_src=str(tls / "gateway.crt"),
        anju_gateway_tls_certificate_key_src=str(tls / "gateway.key"),
    )
    edges = top["children"]["edges"]
    edges["vars"]["anju_gateway_ca_certificate"] = str(tls / "ca.crt")
    edges["hosts"][EDGE]["ansible_host"] = addresses[EDGE]
    return inv


def edge_host_vars(inv: dict[str, Any]) -> dict[str, Any]:
    hostvars = inv["all"]["children"]["edges"]["hosts"][EDGE]
    assert isinstance(hostvars, dict)
    return hostvars


def write_inventory(path: Path, inv: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(inv, allow_unicode=True, sort_keys=False), "utf-8")


def make_test_ca(tls: Path) -> None:
    """A CA and the gateway's certificate for SERVER_NAME, as a precinct's own CA would issue."""
    tls.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=tls, check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=Anju install-check test CA", "-keyout", "ca.key", "-out", "ca.crt")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={SERVER_NAME}",
            "-keyout", "gateway.key", "-out", "gateway.csr")  # fmt: skip
    (tls / "san.ext").write_text(f"subjectAltName=DNS:{SERVER_NAME}\n", "utf-8")
    openssl("x509", "-req", "-in", "gateway.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext",
            "-out", "gateway.crt")  # fmt: skip


@dataclass
class GatewayApi:
    """The gateway's HTTP API as a browser sees it: through nginx, TLS checked against the CA."""

    address: str
    ca: Path
    username: str
    password: str
    token: str = ""

    def _curl(self, method: str, path: str, body: object = None) -> Any:
        cmd = ["curl", "-sS", "--fail-with-body", "--max-time", "20", "-X", method]
        cmd += ["--cacert", str(self.ca), "--resolve", f"{SERVER_NAME}:443:{self.address}"]
        cmd += ["-H", "Content-Type: application/json"]
        if self.token:
            cmd += ["-H", f"Authorization: Bearer {self.token}"]
        if body is not None:
            cmd += ["--data", json.dumps(body)]
        res = subprocess.run(
            [*cmd, f"https://{SERVER_NAME}{path}"], capture_output=True, text=True, timeout=30
        )
        expect(res.returncode == 0, f"{method} {path}: {res.stderr.strip()} {res.stdout[:500]}")
        return json.loads(res.stdout) if res.stdout else None

    def login(self) -> None:
        body = {"username": self.username, "password": self.password}
        self.token = self._curl("POST", "/api/v1/auth/login", body)["token"]

    def healthz(self) -> Any:
        """GET /healthz through nginx: {"status": "ok"} while a replica reaches the database."""
        return self._curl("GET", "/healthz")

    def alerts(self) -> list[dict[str, Any]]:
        if not self.token:
            self.login()
        result: list[dict[str, Any]] = self._curl("GET", "/api/v1/alerts?limit=500")["alerts"]
        return result
