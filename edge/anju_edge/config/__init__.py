"""The edge box's configuration file (YAML), validated strictly at load time.

What it may import: pydantic, yaml and ``anju_contracts``; nothing else of ``anju_edge``.
"""

from anju_edge.config.loader import ConfigError, load_config, parse_config
from anju_edge.config.model import (
    BrokerConfig,
    CameraConfig,
    EdgeConfig,
    GateConfig,
    GateRulesConfig,
    GatewayLink,
    OutboxConfig,
    ZoneConfig,
)

__all__ = [
    "BrokerConfig",
    "CameraConfig",
    "ConfigError",
    "EdgeConfig",
    "GateConfig",
    "GateRulesConfig",
    "GatewayLink",
    "OutboxConfig",
    "ZoneConfig",
    "load_config",
    "parse_config",
]
