"""The gateway's command line: an unknown ANJU_GATEWAY_* variable stops the start, named;
`anju gateway routing` shows and changes a precinct's routing in the same store the API reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from anju.cli import app
from anju.netutil import free_port
from anju_gateway.settings import GatewaySettings, unknown_environment


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANJU_GATEWAY_")}
    return env | extra


@pytest.mark.parametrize("name", ["ANJU_GATEWAY_CLEARANCE_HOURS", "ANJU_GATEWAY_SLA_CLOSE_HOUR"])
def test_unknown_setting_refuses_to_start(tmp_path: Path, name: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "anju", "gateway", "serve", "--port", str(free_port()),
         "--data-dir", str(tmp_path)],
        env=_env(**{name: "12"}), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2, run.stdout + run.stderr
    assert name in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "gateway.sqlite3").exists()  # refused before anything was made


def test_known_settings_are_read_fractions_included(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("ANJU_GATEWAY_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("ANJU_GATEWAY_SLA_CLOSE_HOURS", "0.25")
    monkeypatch.setenv("ANJU_GATEWAY_SLA_PROPERTY_ACK_MINUTES", "7.5")
    settings = GatewaySettings()
    assert (settings.sla_close_hours, settings.sla_property_ack_minutes) == (0.25, 7.5)
    assert unknown_environment({"ANJU_GATEWAY_PORT": "1", "ANJU_GATEWAY_NOPE": "x"}) == [
        "ANJU_GATEWAY_NOPE"
    ]


def test_routing_command(tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    env = {k: "" for k in os.environ if k.startswith("ANJU_GATEWAY_")}
    assert runner.invoke(app, ["gateway", "add-compound", "c1", "--precinct", "p1", *data],
                         env=env).exit_code == 0  # fmt: skip
    shown = runner.invoke(app, ["gateway", "routing", "p1", *data], env=env)
    assert shown.exit_code == 0, shown.output
    lines = dict(line.split()[:2] for line in shown.output.splitlines() if "raise-at" not in line)
    assert lines["door_forced"] == "police" and lines["crowd"] == "both"
    assert "raise-at critical" in shown.output
    changed = runner.invoke(
        app,
        ["gateway", "routing", "p1", "--set", "door_held_open=both", "--set", "crowd=police",
         "--raise-at", "never", *data],
        env=env,
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "door_held_open   both  (default property)" in changed.output
    assert "raise-at never" in changed.output
    # A later --set keeps the earlier overrides.
    again = runner.invoke(app, ["gateway", "routing", "p1", "--set", "fire_lane=police", *data],
                          env=env)  # fmt: skip
    assert "crowd            police  (default both)" in again.output
    assert "raise-at never" in again.output
    for bad in (["--set", "crowd=fire"], ["--set", "no_such_kind=police"], ["--set", "crowd"],
                ["--raise-at", "urgent"]):  # fmt: skip
        r = runner.invoke(app, ["gateway", "routing", "p1", *bad, *data], env=env)
        assert r.exit_code == 2, (bad, r.output)
    assert runner.invoke(app, ["gateway", "routing", "nowhere", *data], env=env).exit_code == 2


def test_the_example_inventory_sets_only_gateway_settings() -> None:
    root = Path(__file__).resolve().parents[2] / "deploy" / "ansible"
    inventory = yaml.safe_load((root / "inventory.example.yml").read_text("utf-8"))
    hosts = inventory["all"]["children"]["gateways"]["hosts"]
    keys = {k for host in hosts.values() for k in host.get("anju_gateway_settings", {})}
    assert keys and keys <= set(GatewaySettings.model_fields), keys - set(
        GatewaySettings.model_fields
    )
    # What the role's template writes itself is a setting too.
    template = (root / "roles/anju_gateway/templates/gateway.env.j2").read_text("utf-8")
    written = {
        line.split("=", 1)[0]
        for line in template.splitlines()
        if line.startswith("ANJU") and "{{" not in line.split("=", 1)[0]
    }
    assert written and unknown_environment(dict.fromkeys(written, "")) == []
