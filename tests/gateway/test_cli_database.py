"""Every store command of the CLI reaches the store ``--database-url`` names (PostgreSQL, or a
SQLite path), so an administrator works on a running cluster from any machine; a database that
cannot be reached is one clear line and exit 1, not a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anju.cli import app
from anju.netutil import free_port
from anju_contracts import utcnow
from anju_gateway.edges.enrolment import enrol
from anju_gateway.settings import GatewaySettings
from tests.support import engines
from tests.support.servers import GatewayServer


def test_store_commands_take_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_engine: str
) -> None:
    monkeypatch.delenv("ANJU_GATEWAY_DATABASE_URL", raising=False)
    url = (
        engines.cluster().new_database(migrated=False)
        if store_engine == "postgresql"
        else f"sqlite:///{tmp_path / 'elsewhere' / 'gateway.sqlite3'}"
    )
    run = CliRunner().invoke
    flag = ["--database-url", url, "--data-dir", str(tmp_path / "unused")]
    assert run(app, ["gateway", "migrate", *flag]).exit_code == 0
    added = run(
        app, ["gateway", "add-compound", "c9", "--precinct", "p9", "--name", "九号院", *flag]
    )
    assert added.exit_code == 0, added.output
    user = run(app, ["gateway", "create-user", "o9", "--role", "officer", "--precinct", "p9",
                     *flag], env={"ANJU_PASSWORD": "a-long-password-9"})  # fmt: skip
    assert user.exit_code == 0, user.output
    code_out = run(app, ["gateway", "enrol-code", "--compound", "c9", *flag])
    assert code_out.exit_code == 0, code_out.output
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code_out.output)
    assert code is not None, code_out.output

    # A gateway on that store sees all of it.
    gw = GatewayServer(tmp_path / "gw", database_url=url).start()
    try:
        assert gw.login("o9", "a-long-password-9").get("/api/v1/auth/me").status_code == 200
        edge = enrol(gw.db, code=code.group(), hostname="box9", now=utcnow())
        listed = run(app, ["gateway", "list-edges", *flag])
        assert listed.exit_code == 0 and edge.edge_id in listed.output and "box9" in listed.output
        revoked = run(app, ["gateway", "revoke-edge", edge.edge_id, *flag])
        assert revoked.exit_code == 0, revoked.output
    finally:
        gw.stop()
    assert not (tmp_path / "unused" / "gateway.sqlite3").exists()


def test_unreachable_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    url = f"postgresql://anju@127.0.0.1:{free_port()}/anju"
    result = CliRunner().invoke(
        app, ["gateway", "list-edges", "--database-url", url, "--data-dir", str(tmp_path)],
        env={"ANJU_GATEWAY_DATABASE_TIMEOUT_S": "2"},
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("database unavailable:")
    assert "Traceback" not in result.output


def test_unknown_scheme_is_refused_by_name() -> None:
    result = CliRunner().invoke(app, ["gateway", "migrate", "--database-url", "mysql://x/y"])
    assert result.exit_code == 2
    assert "ANJU_GATEWAY_DATABASE_URL" in result.output and "mysql://" in result.output
    assert GatewaySettings(database_url="postgres://a@b/c").database_url == "postgres://a@b/c"
