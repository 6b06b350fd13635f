"""One apply and one re-apply of deploy/ansible into a throwaway root, shared by the module."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from anju.netutil import free_port
from tests.support.servers import GatewayServer
from tests.support.tls import make_ca

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = REPO / "deploy" / "ansible"
ANSIBLE_BIN = REPO / ".venv-ansible" / "bin"
# Existing system accounts stand in for the roles' own users: user creation needs the real host.
EDGE_USER, EDGE_GROUP = "daemon", "daemon"
DB_PASSWORD = "db-p@ss/w:rd'x%"
RECAP = re.compile(
    r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)


def ansible_tool(name: str) -> Path:
    path = ANSIBLE_BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run 'make ansible-venv' in {REPO}")
    return path


def playbook(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="default"
    )
    return subprocess.run(
        [str(ansible_tool("ansible-playbook")), *args],
        cwd=ANSIBLE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def recap(output: str) -> dict[str, dict[str, int]]:
    hosts = {
        m[1]: {"ok": int(m[2]), "changed": int(m[3]), "unreachable": int(m[4]), "failed": int(m[5])}
        for m in RECAP.finditer(output)
    }
    assert hosts, f"no PLAY RECAP in:\n{output[-3000:]}"
    return hosts


@dataclass
class Applied:
    root: Path
    inventory: Path
    gateway: GatewayServer
    mqtt_port: int
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    token_after_first: str


def inventory(
    root: Path, gateway_url: str, code: str, mqtt_port: int, ca: Path | None = None
) -> dict[str, object]:
    return {
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": "/usr/bin/python3",
                "anju_root": str(root),
                # The repository's own venv already holds the project: no pip, no network.
                "anju_venv": str(REPO / ".venv"),
                "anju_venv_install": False,
                "anju_edge_user": EDGE_USER,
                "anju_edge_group": EDGE_GROUP,
                "anju_gateway_user": EDGE_USER,
                "anju_gateway_group": EDGE_GROUP,
                "anju_mqtt_port": mqtt_port,
                "anju_mqtt_bind": "127.0.0.1",
            },
            "children": {
                "edges": {
                    "hosts": {
                        "edge-c1": {
                            "anju_compound_id": "c1",
                            "anju_compound_name": "庐山小区",
                            "anju_gateway_url": gateway_url,
                            "anju_enrol_code": code,
                            # The precinct's CA: copied to the box and pinned in its config.
                            "anju_gateway_ca_certificate": str(ca) if ca else "",
                            "anju_edge_mqtt_password": "edge-service-secret",
                            "anju_gate_rules": {"door_forced": "critical", "cooldown_s": 30},
                            "anju_gates": [
                                {"id": "g1", "name": "北门", "mqtt_password": "gate-g1-secret"}
                            ],
                            "anju_cameras": [
                                {
                                    "id": "cam1",
                                    "name": "东侧围墙",
                                    "mqtt_password": "camera-1-secret",
                                    "zones": [
                                        {
                                            "id": "z1",
                                            "polygon": [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]],
                                        }
                                    ],
                                    "rules": [{"type": "intrusion", "zone": "z1"}],
                                },
                                {"id": "cam2", "mqtt_password": "camera-2-secret"},
                                # Pulled cameras: no MQTT login; their secrets go to files.
                                {
                                    "id": "cam3",
                                    "name": "北门外",
                                    "source": {
                                        "type": "rtsp",
                                        "url": "rtsp://192.0.2.21:554/Streaming/Channels/102",
                                    },
                                    "camera_username": "anju",
                                    "camera_password": "rtsp:pass-cam3",
                                },
                                {
                                    "id": "cam4",
                                    "source": {
                                        "type": "http_snapshot",
                                        "url": "http://192.0.2.22/ISAPI/Streaming/channels/101/picture",
                                    },
                                    "camera_username": "admin",
                                    "camera_password": "http-pass-cam4",
                                },
                            ],
                            "anju_edge_precision": "int8",
                        }
                    }
                },
                "gateways": {
                    "hosts": {
                        "gw": {
                            "anju_gateway_nginx": True,
                            "anju_gateway_server_name": "gw.test.example",
                            # The installer's certificate; the test makes a self-signed one.
                            "anju_gateway_tls_certificate": f"{root}/etc/ssl/anju/gateway.crt",
                            "anju_gateway_tls_certificate_key": f"{root}/etc/ssl/anju/gateway.key",
                            "anju_gateway_settings": {"sla_close_hours": 12},
                            # Three replicas on Debian's PostgreSQL (its tasks need the real
                            # host: install-check runs them); the password needs URL quoting.
                            "anju_gateway_replicas": 3,
                            "anju_gateway_db_password": DB_PASSWORD,
                        }
                    }
                },
            },
        }
    }


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Applied]:
    ansible_tool("ansible-playbook")
    base = tmp_path_factory.mktemp("deploy")
    root = base / "root"
    root.mkdir()
    gw = GatewayServer(base / "gateway").start()
    try:
        gw.add_compound("c1", "p1")
        port = free_port()
        inv = base / "inventory.yml"
        # JSON is YAML.
        ca = make_ca(base / "pki").cert
        inv.write_text(json.dumps(inventory(root, gw.url, gw.enrol_code("c1"), port, ca)), "utf-8")
        first = playbook("-i", str(inv), "site.yml")
        assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
        token = (root / "var/lib/anju/edge/token").read_text("utf-8")
        second = playbook("-i", str(inv), "site.yml")
        yield Applied(root, inv, gw, port, first, second, token)
    finally:
        gw.stop()
