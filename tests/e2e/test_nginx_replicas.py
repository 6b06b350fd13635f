"""The installer's nginx site (deploy/ansible, rendered as Ansible renders it) in front of two
gateway replicas on one PostgreSQL: real `anju gateway serve` processes, a throwaway cluster,
Debian's nginx. A replica killed: /healthz and a POST are still answered through nginx, which
tried the dead one and went on. PostgreSQL down: a replica's /healthz answers 503 (never 500),
nginx 503 or 502, and /healthz is ok again through nginx once the database is back
(docs/install.md, "Gateway layouts")."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from anju.netutil import free_port, wait_for_port
from tests.support import engines
from tests.support.processes import GatewayProcess
from tests.support.servers import wait_until
from tests.support.tls import Nginx, issue, make_ca, rendered_site

pytestmark = pytest.mark.slow


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[list[GatewayProcess]]:
    url = engines.cluster().new_database()
    # A short connection wait: with the database down a request answers 503 within 2 s.
    started = [
        GatewayProcess(tmp_path / name, free_port(), url, database_timeout_s=2).start()
        for name in ("a", "b")
    ]
    try:
        for replica in started:
            wait_for_port("127.0.0.1", replica.port, timeout=60)
        yield started
    finally:
        for replica in started:
            replica.stop()


def test_nginx_in_front_of_two_replicas(tmp_path: Path, replicas: list[GatewayProcess]) -> None:
    ca = make_ca(tmp_path / "pki", "precinct-ca")
    server = issue(ca, tmp_path / "pki", "gateway", "localhost")
    port = free_port()
    site = rendered_site(server, [r.port for r in replicas], port, None)
    assert site.count("max_fails=2 fail_timeout=10s;") == 2
    nginx = Nginx(tmp_path / "nginx", site).start(port)
    base = f"https://localhost:{port}"
    errors = tmp_path / "nginx" / "error.log"
    try:
        tls = ssl.create_default_context(cafile=str(ca.cert))
        with httpx.Client(base_url=base, verify=tls, timeout=30) as http:
            for _ in range(4):  # round robin: both replicas answer
                assert http.get("/healthz").json() == {"status": "ok"}

            replicas[0].kill9()
            for _ in range(6):
                response = http.get("/healthz")
                assert response.status_code == 200, response.text
            # A POST too: the dead replica refused the connection, nothing was sent to it, so
            # nginx passed it on (a wrong password: the live replica's own 401, not a 502).
            login = http.post("/api/v1/auth/login", json={"username": "x", "password": "y"})
            assert login.status_code == 401, login.text
            log = errors.read_text("utf-8") if errors.exists() else ""
            assert "Connection refused) while connecting to upstream" in log
            assert f"127.0.0.1:{replicas[0].port}" in log

            # The database down: the live replica's /healthz answers 503 (never 500); nginx,
            # with no replica left that can serve, answers 503 or 502 (its last try was the
            # dead replica), never a hang and never the gateway's 500.
            cluster = engines.cluster()
            cluster.stop_server()
            try:
                direct = httpx.get(f"{replicas[1].url}/healthz", timeout=30)
                assert direct.status_code == 503, (direct.status_code, direct.text)
                down = http.get("/healthz")
                assert down.status_code in (502, 503), (down.status_code, down.text)
            finally:
                cluster.start_server()
            wait_until(lambda: http.get("/healthz").status_code == 200, timeout=60)
    finally:
        nginx.stop()
