"""`make install-check` follows docs/install.md literally: the commands it runs are the page's,
its inventory is the example's with only the installer's blanks filled in, and its boxes' only
way out (the egress proxy) lets through the allowlisted hosts alone."""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path
from typing import Any

import pytest

from anju.netutil import free_port
from tests.machines.install_check import DOCS_BUILD_WHEEL
from tests.machines.install_ctl import (
    EDGE,
    GATEWAY,
    PLAYBOOK,
    REPO,
    check_inventory,
    example_inventory,
)
from tests.machines.install_proxy import EgressProxy, parse_head
from tests.machines.install_replicas import (
    DOCS_BACKUP,
    DOCS_RESTORE,
    DOCS_START_REPLICAS,
    DOCS_STOP_REPLICAS,
)
from tests.machines.install_steps import DOCS_ADD_COMPOUND, DOCS_CREATE_USER, DOCS_GATE_EVENT

DOCS = (REPO / "docs" / "install.md").read_text("utf-8")


@pytest.mark.parametrize(
    "command",
    [
        DOCS_BUILD_WHEEL,
        DOCS_ADD_COMPOUND,
        DOCS_CREATE_USER,
        DOCS_GATE_EVENT,
        DOCS_BACKUP,
        DOCS_STOP_REPLICAS,
        DOCS_RESTORE,
        DOCS_START_REPLICAS,
        f"{PLAYBOOK} -i inventory.yml gateway.yml",
        f"{PLAYBOOK} -i inventory.yml edge.yml --limit edge-lushan-01",
        f"{PLAYBOOK} -i inventory.yml site.yml",
    ],
)
def test_the_check_runs_the_commands_of_the_install_page(command: str) -> None:
    assert command in DOCS


def _keys(node: Any, prefix: str = "") -> set[str]:
    if not isinstance(node, dict):
        return set()
    found = set()
    for key, value in node.items():
        found.add(prefix + key)
        found |= _keys(value, f"{prefix}{key}.")
    return found


def test_the_check_inventory_is_the_example_with_the_blanks_filled(tmp_path: Path) -> None:
    example = example_inventory()
    addresses = {GATEWAY: "10.0.0.2", EDGE: "10.0.0.3"}
    inv = check_inventory(addresses, tmp_path / "ssh_config", tmp_path / "a.whl", tmp_path)
    added = _keys(inv) - _keys(example)
    assert added == {"all.vars.ansible_ssh_common_args"}
    edge = inv["all"]["children"]["edges"]["hosts"][EDGE]
    edge_example = example["all"]["children"]["edges"]["hosts"][EDGE]
    # The compound, its gates, cameras and passwords are the example's own.
    for key in ("anju_compound_id", "anju_gates", "anju_cameras", "anju_edge_mqtt_password"):
        assert edge[key] == edge_example[key]
    assert edge["ansible_host"] == "10.0.0.3"
    assert "anju_enrol_code" not in edge  # the playbook fetches the code itself
    gw = inv["all"]["children"]["gateways"]["hosts"][GATEWAY]
    assert gw["ansible_host"] == "10.0.0.2"
    assert gw["anju_gateway_tls_certificate_key_src"] == str(tmp_path / "gateway.key")


def test_the_example_names_the_wheel_of_this_version() -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    wheel = example_inventory()["all"]["vars"]["anju_wheel"]
    assert wheel.endswith(f"/dist/anju-{version}-py3-none-any.whl")


def test_proxy_rewrites_plain_requests_and_tunnels_connect() -> None:
    method, host, port, request = parse_head(
        b"GET http://deb.debian.org/debian/dists/bookworm/InRelease HTTP/1.1\r\n"
        b"Host: deb.debian.org\r\nProxy-Connection: keep-alive\r\n\r\n"
    )
    assert (method, host, port) == ("GET", "deb.debian.org", 80)
    assert request.startswith(b"GET /debian/dists/bookworm/InRelease HTTP/1.1\r\n")
    assert b"Proxy-Connection" not in request and b"Connection: close\r\n\r\n" in request
    assert parse_head(b"CONNECT pypi.org:443 HTTP/1.1\r\n\r\n")[:3] == ("CONNECT", "pypi.org", 443)


def test_proxy_refuses_hosts_off_the_allowlist() -> None:
    proxy = EgressProxy("127.0.0.1", free_port(), {"pypi.org"}).start()
    try:
        for head in (
            b"CONNECT example.com:443 HTTP/1.1\r\n\r\n",
            b"CONNECT pypi.org:22 HTTP/1.1\r\n\r\n",
            b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as s:
                s.sendall(head)
                assert s.recv(100).startswith(b"HTTP/1.1 403 ")
        assert proxy.refused == ["example.com:443", "pypi.org:22", "example.com:80"]
    finally:
        proxy.stop()
