"""`anju sim load --gateway`: simulated edges post alerts over HTTP to a real gateway while
officers' live feeds watch; the report counts what was accepted and how fast it reached the
feeds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anju.cli import app
from anju.netutil import free_port
from anju_contracts import utcnow
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import PASSWORD, GatewayServer


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayServer]:
    gw = GatewayServer(tmp_path / "gw").start()
    yield gw
    gw.stop()


def _tokens(gw: GatewayServer, path: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        compound = f"c{i}"
        gw.add_compound(compound, "p1")
        token = enrol(gw.db, code=gw.enrol_code(compound), hostname=f"b{i}", now=utcnow()).token
        lines.append(json.dumps({"compound_id": compound, "token": token}))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_http_load_reports_accepts_and_fan_out(
    gateway: GatewayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = _tokens(gateway, tmp_path / "edges.jsonl", 4)
    gateway.add_user("o1", "officer", precinct_id="p1")
    monkeypatch.setenv("ANJU_PASSWORD", PASSWORD)
    args = ["sim", "load", "--gateway", gateway.url, "--tokens", str(tokens),
            "--alert-rate", "20", "--duration", "2", "--feeds", "3", "--officer", "o1",
            "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["offered"] == 40 and report["accepted"] == 40 and report["refused"] == 0
    assert report["feeds"] == 3
    assert report["feed_events"] == 3 * 40 and report["feed_missing"] == 0
    assert 0 < report["accept_p50_ms"] <= report["accept_p99_ms"] < 5000
    assert 0 <= report["feed_p50_ms"] <= report["feed_p99_ms"] < 5000
    count = gateway.db.conn().execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    assert count == 40


def test_http_load_text_report_and_refusals(gateway: GatewayServer, tmp_path: Path) -> None:
    tokens = tmp_path / "edges.jsonl"
    tokens.write_text(json.dumps({"compound_id": "c0", "token": "not-a-token"}) + "\n", "utf-8")
    args = ["sim", "load", "--gateway", gateway.url, "--tokens", str(tokens),
            "--alert-rate", "10", "--duration", "0.5"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "accepted 0" in result.output and "refused 5" in result.output
    assert "401 x5" in result.output


def test_http_load_needs_tokens_and_officer(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["sim", "load", "--gateway", url])
    assert result.exit_code == 2 and "--tokens" in result.output
    tokens = tmp_path / "edges.jsonl"
    tokens.write_text('{"compound_id": "c0", "token": "t"}\n', "utf-8")
    result = CliRunner().invoke(
        app, ["sim", "load", "--gateway", url, "--tokens", str(tokens), "--feeds", "2"]
    )
    assert result.exit_code == 2 and "--officer" in result.output
