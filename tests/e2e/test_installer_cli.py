"""The installer's path through the real commands: a gateway served by `anju gateway serve`,
a compound and a code from the CLI, `anju edge enrol`, then `anju edge run` delivers an alert."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from anju.netutil import free_port, wait_for_port
from anju_sim.devices import SimGate
from tests.support.servers import wait_until


def anju(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "anju", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_install_enrol_and_first_alert(tmp_path: Path, broker) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "gw"
    port = free_port()
    assert (
        anju(
            "gateway",
            "add-compound",
            "lushan-01",
            "--precinct",
            "xunyang",
            "--name",
            "庐山小区",
            "--data-dir",
            str(data),
        ).returncode
        == 0
    )
    made = anju(
        "gateway",
        "create-user",
        "li.na",
        "--role",
        "officer",
        "--precinct",
        "xunyang",
        "--data-dir",
        str(data),
        env={"ANJU_PASSWORD": "officer-pass-1"},
    )
    assert made.returncode == 0, made.stderr
    short = anju(
        "gateway",
        "create-user",
        "x",
        "--role",
        "officer",
        "--precinct",
        "xunyang",
        "--data-dir",
        str(data),
        env={"ANJU_PASSWORD": "short"},
    )
    assert short.returncode == 2 and "at least 8" in short.stderr
    code = anju("gateway", "enrol-code", "--compound", "lushan-01", "--data-dir", str(data))
    assert code.returncode == 0, code.stderr
    code_text = code.stdout.strip()
    assert len(code_text) == 14 and code_text.count("-") == 2

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "anju",
            "gateway",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data),
        ]
    )
    edge = None
    try:
        wait_for_port("127.0.0.1", port, timeout=20)
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        config = tmp_path / "edge.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "compound_id": "lushan-01",
                    "data_dir": str(tmp_path / "edge"),
                    "metrics_port": 0,
                    "broker": {"port": broker.port, "client_id": "installer-test-edge"},
                    "gateway": {"url": url},
                    "console": {"port": 0},
                    "gates": [{"id": "north-gate", "name": "北门"}],
                }
            ),
            "utf-8",
        )
        assert anju("edge", "check-config", str(config)).returncode == 0
        enrolled = anju(
            "edge", "enrol", "--gateway", url, "--code", code_text.lower(), "--config", str(config)
        )
        assert enrolled.returncode == 0, enrolled.stderr
        token = tmp_path / "edge" / "token"
        assert stat.S_IMODE(token.stat().st_mode) == 0o600
        replay = anju(
            "edge",
            "enrol",
            "--gateway",
            url,
            "--code",
            code_text,
            "--token-file",
            str(tmp_path / "other-token"),
        )
        assert replay.returncode == 1 and "already used" in replay.stderr

        gate = SimGate("127.0.0.1", broker.port, "lushan-01", "north-gate")
        gate.start()
        edge = subprocess.Popen([sys.executable, "-m", "anju", "edge", "run", "-c", str(config)])
        officer = httpx.Client(base_url=url)
        token_resp = officer.post(
            "/api/v1/auth/login", json={"username": "li.na", "password": "officer-pass-1"}
        )
        officer.headers["Authorization"] = f"Bearer {token_resp.json()['token']}"
        wait_until(
            lambda: (
                officer.get("/api/v1/edges").json()
                and officer.get("/api/v1/edges").json()[0]["online"]
            ),
            timeout=20,
            message="the box's first heartbeat",
        )
        from anju_contracts import GateEventType

        gate.emit(GateEventType.tamper)
        alerts = wait_until(
            lambda: officer.get("/api/v1/alerts").json()["alerts"],
            timeout=20,
            message="the first alert",
        )
        assert alerts[0]["kind"] == "tamper" and alerts[0]["compound_id"] == "lushan-01"
        gate.stop()
    finally:
        for proc in (edge, server):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=15)
