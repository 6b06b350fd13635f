"""The edge config file: examples load; mistakes are refused naming the exact key path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from anju_edge.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "edge.yaml"


def example() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(EXAMPLE.read_text("utf-8"))


def test_example_loads() -> None:
    cfg = load_config(EXAMPLE)
    assert cfg.compound_id == "lushan-01"
    assert [g.id for g in cfg.gates] == ["north-gate", "garage-gate"]
    assert cfg.cameras[0].rules[0].type == "intrusion"


def mutate(path: str, value: object) -> dict:  # type: ignore[type-arg]
    data = example()
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    last = keys[-1]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("brokr", {}, "brokr: unknown key"),
        ("broker.prot", 1883, "broker.prot: unknown key"),
        ("broker.port", 70000, "broker.port: Input should be less than or equal to 65535"),
        ("compound_id", "Lushan 01", "compound_id: String should match pattern"),
        ("timezone", "Mars/Olympus", "timezone: Value error, unknown time zone"),
        ("cameras.0.zones.0.polygon", [[0, 0], [1, 1]], "cameras[0].zones[0].polygon"),
        ("cameras.0.zones.0.polygon.0", [1.5, 0.2], "cameras[0].zones[0].polygon[0][0]"),
        ("cameras.0.rules.0.type", "teleport", "cameras[0].rules[0]"),
        ("cameras.0.rules.1.dwell_s", -5, "cameras[0].rules[1].loitering.dwell_s"),
        (
            "cameras.0.rules.0.schedule.0.start",
            "25:00",
            "cameras[0].rules[0].intrusion.schedule[0].start",
        ),
        ("gate_rules.door_forced", "urgent", "gate_rules.door_forced"),
        ("gates.1.id", "north-gate", "gate ids must be unique: north-gate"),
        ("cameras.2.rules.1.zone", "nowhere", "names zone 'nowhere', which is not defined"),
    ],
)
def test_mistakes_name_the_key_path(path: str, value: object, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(mutate(path, value), "edge.yaml")
    assert expected in str(info.value), str(info.value)


def test_missing_required_key() -> None:
    data = example()
    del data["compound_id"]
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert "compound_id: required key is missing" in str(info.value)


def gateway_with(**keys: object) -> dict:  # type: ignore[type-arg]
    data = example()
    del data["gateway"]["url"]
    data["gateway"].update(keys)
    return data


def test_gateway_url_or_urls() -> None:
    one = parse_config(example())
    assert one.gateway.base_urls == ("https://gateway.xunyang-precinct.example",)
    replicas = ["https://gw-a.precinct.example", "http://10.0.0.2:8000/anju"]
    two = parse_config(gateway_with(urls=replicas))
    assert two.gateway.base_urls == tuple(replicas)


@pytest.mark.parametrize(
    "keys,expected",
    [
        (
            {"url": "https://gw.example", "urls": ["https://gw-a.example"]},
            "gateway: Value error, give either url (one gateway or its load balancer) or urls",
        ),
        ({}, "gateway: Value error, give the gateway's url"),
        ({"urls": []}, "gateway.urls: List should have at least 1 item"),
        ({"urls": None}, "gateway: Value error, give the gateway's url"),
        (
            {"urls": ["https://gw-a.example", "ftp://gw-b.example"]},
            "gateway.urls[1]: Value error, expected a http or https:// URL with a host",
        ),
        ({"urls": ["gw-a.example"]}, "gateway.urls[0]: Value error, expected a http or https://"),
        ({"url": "gw.example"}, "gateway.url: Value error, expected a http or https://"),
        ({"urls": ["https://gw-a.example", "https://gw-a.example/"]}, "a URL is listed twice"),
        ({"urls": "https://gw-a.example"}, "gateway.urls: Input should be a valid list"),
    ],
)
def test_gateway_url_mistakes(keys: dict, expected: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as info:
        parse_config(gateway_with(**keys), "edge.yaml")
    assert expected in str(info.value), str(info.value)


def test_gateway_url_password_is_refused_and_not_echoed() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(gateway_with(urls=["https://edge:s3cret@gw-a.example"]))
    assert "gateway.urls[0]: Value error, the URL must not carry a user or password" in str(
        info.value
    )
    assert "s3cret" not in str(info.value)


def test_not_yaml_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "edge.yaml"
    bad.write_text("compound_id: c1\ngateway: [unclosed\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert "line 3" in str(info.value) or "line 2" in str(info.value)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "anju", *args], capture_output=True, text=True, timeout=60
    )


def test_check_config_command(tmp_path: Path) -> None:
    ok = run_cli("edge", "check-config", str(EXAMPLE))
    assert ok.returncode == 0, ok.stderr
    assert "ok: compound lushan-01, 2 gate(s), 3 camera(s), 5 camera rule(s)" in ok.stdout
    bad = tmp_path / "edge.yaml"
    bad.write_text(yaml.safe_dump(mutate("broker.prot", 1)), "utf-8")
    result = run_cli("edge", "check-config", str(bad))
    assert result.returncode == 2
    assert "broker.prot: unknown key" in result.stderr


def test_gateway_settings_refuse_unknown_keys() -> None:
    from pydantic import ValidationError

    from anju_gateway.settings import GatewaySettings

    with pytest.raises(ValidationError) as info:
        GatewaySettings(data_dirr="/tmp/x")  # type: ignore[call-arg]
    assert "data_dirr" in str(info.value)
