"""docs/configuration.md names every gateway setting and every top-level edge config key."""

from __future__ import annotations

from pathlib import Path

import pytest

from anju_edge.config import EdgeConfig
from anju_gateway.settings import GatewaySettings

DOC = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text("utf-8")


@pytest.mark.parametrize("name", list(GatewaySettings.model_fields))
def test_gateway_setting_documented(name: str) -> None:
    assert f"`ANJU_GATEWAY_{name.upper()}`" in DOC


@pytest.mark.parametrize("name", list(EdgeConfig.model_fields))
def test_edge_key_documented(name: str) -> None:
    assert f"| `{name}` |" in DOC


@pytest.mark.parametrize("name", list(GatewaySettings.model_fields))
def test_every_setting_has_a_description(name: str) -> None:
    assert GatewaySettings.model_fields[name].description
