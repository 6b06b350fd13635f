"""Edge to gateway over TLS end to end: Debian's nginx with the installer's site in front of a
real gateway, a test CA, the edge pinning that CA from its config (`gateway.ca_file`), and the
optional client certificates (mTLS) of docs/delivery.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import REGISTRY

from anju.netutil import free_port
from anju_contracts import utcnow
from anju_contracts.common import format_ts
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until
from tests.support.tls import Nginx, Pair, issue, make_ca, rendered_site


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Pair]:
    folder = tmp_path / "pki"
    ca = make_ca(folder, "precinct-ca")
    other = make_ca(folder, "other-ca")
    return {
        "ca": ca,
        "other": other,
        "server": issue(ca, folder, "gateway", "localhost"),
        "box": issue(ca, folder, "box", "edge-c1", client=True),
    }


def front(tmp_path: Path, gateway: GatewayServer, pki: dict[str, Pair], mtls: bool = False):  # type: ignore[no-untyped-def]
    port = free_port()
    site = rendered_site(pki["server"], gateway.port, port, pki["ca"].cert if mtls else None)
    return Nginx(tmp_path / "nginx", site).start(port), f"https://localhost:{port}"


def enrol_cli(config: Path, url: str, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "anju", "edge", "enrol", "--gateway", url, "--code", code,
         "--config", str(config)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def write_config(tmp_path: Path, broker_port: int, link: dict[str, object]) -> Path:
    cfg = {
        "compound_id": "c1",
        "data_dir": str(tmp_path / "edge"),
        "metrics_port": 0,
        "broker": {"port": broker_port, "client_id": f"anju-edge-tls-{free_port()}"},
        "gateway": link,
        "console": {"port": 0},
        "gates": [{"id": "g1", "name": "北门"}],
    }
    path = tmp_path / "edge.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True))
    return path


def door_forced(broker_port: int) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"tls-gate-{free_port()}")
    client.connect("127.0.0.1", broker_port)
    client.loop_start()
    body = {"v": 1, "seq": 1, "ts": format_ts(utcnow()), "type": "door_forced"}
    client.publish("anju/c1/gate/g1/event", json.dumps(body), qos=1).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def alerts(gateway: GatewayServer) -> int:
    return int(gateway.db.conn().execute("SELECT COUNT(*) FROM alerts").fetchone()[0])


def test_the_edge_talks_to_the_gateway_through_nginx_pinning_its_ca(
    tmp_path: Path, broker, gateway: GatewayServer, pki: dict[str, Pair]
) -> None:  # type: ignore[no-untyped-def]
    nginx, url = front(tmp_path, gateway, pki)
    try:
        link = {"url": url, "ca_file": str(pki["ca"].cert), "heartbeat_s": 1}
        path = write_config(tmp_path, broker.port, link)
        enrolled = enrol_cli(path, url, gateway.enrol_code("c1"))
        assert enrolled.returncode == 0, enrolled.stderr
        cfg = edge_config(tmp_path / "edge", broker.port, url, gateway=link)
        service = start_edge(cfg)
        try:
            door_forced(broker.port)
            wait_until(lambda: alerts(gateway) == 1, timeout=20, message="the alert over TLS")
            wait_until(
                lambda: gateway.db.conn().execute("SELECT COUNT(*) FROM edge_health").fetchone()[0],
                timeout=15,
                message="a heartbeat over TLS",
            )
            wait_until(lambda: service.sync.current() is not None, message="sync over TLS")
        finally:
            service.stop()
        # The requests went through nginx (the edge never reached the gateway's port directly).
        log = (tmp_path / "nginx/access.log").read_text()
        assert "POST /api/v1/edge/alerts" in log and "GET /api/v1/edge/sync" in log
    finally:
        nginx.stop()


def test_a_gateway_certificate_from_another_ca_is_refused(
    tmp_path: Path, broker, gateway: GatewayServer, pki: dict[str, Pair]
) -> None:  # type: ignore[no-untyped-def]
    nginx, url = front(tmp_path, gateway, pki)
    try:
        # Pinned to another CA: the precinct's certificate is not trusted, and nothing else is.
        link = {"url": url, "ca_file": str(pki["other"].cert)}
        path = write_config(tmp_path, broker.port, link)
        refused = enrol_cli(path, url, gateway.enrol_code("c1"))
        assert refused.returncode == 1
        assert "CERTIFICATE_VERIFY_FAILED" in refused.stderr or "certificate" in refused.stderr
        assert not (tmp_path / "edge/token").exists()
        # The running edge (with a token) does not send to it either: counted as network errors.
        from anju_edge.delivery.enrol import write_token
        from anju_gateway.edges.enrolment import enrol

        cfg = edge_config(tmp_path / "edge", broker.port, url, gateway=link)
        token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
        write_token(cfg.token_path(), token)

        def failures() -> float:
            labels = {"reason": "network"}
            return REGISTRY.get_sample_value("anju_edge_uplink_failures_total", labels) or 0.0

        before = failures()
        service = start_edge(cfg)
        try:
            door_forced(broker.port)
            wait_until(lambda: failures() > before, timeout=20, message="a refused upload")
            assert alerts(gateway) == 0 and service.outbox.depth() == 1
        finally:
            service.stop()
    finally:
        nginx.stop()


def test_client_certificates_when_the_gateway_asks_for_them(
    tmp_path: Path, broker, gateway: GatewayServer, pki: dict[str, Pair]
) -> None:  # type: ignore[no-untyped-def]
    nginx, url = front(tmp_path, gateway, pki, mtls=True)
    try:
        without = {"url": url, "ca_file": str(pki["ca"].cert)}
        refused = enrol_cli(write_config(tmp_path, broker.port, without), url, "AAAA-BBBB-CCCC")
        assert refused.returncode == 1
        assert "400" in refused.stderr  # nginx: "No required SSL certificate was sent"
        with_cert = {
            **without,
            "client_cert": str(pki["box"].cert),
            "client_key": str(pki["box"].key),
        }
        path = write_config(tmp_path, broker.port, with_cert)
        enrolled = enrol_cli(path, url, gateway.enrol_code("c1"))
        assert enrolled.returncode == 0, enrolled.stderr
        service = start_edge(edge_config(tmp_path / "edge", broker.port, url, gateway=with_cert))
        try:
            door_forced(broker.port)
            wait_until(lambda: alerts(gateway) == 1, timeout=20, message="the alert over mTLS")
        finally:
            service.stop()
    finally:
        nginx.stop()


def test_check_config_loads_the_pinned_ca(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, 1883, {"url": "https://gw.example", "ca_file": str(tmp_path / "missing.crt")}
    )
    result = subprocess.run(
        [sys.executable, "-m", "anju", "edge", "check-config", str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "gateway TLS files" in result.stderr and "missing.crt" in result.stderr
