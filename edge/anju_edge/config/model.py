"""Configuration models. Every key has a description; unknown keys are refused."""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from anju_contracts import Severity
from anju_contracts import WireModel as Strict  # the one strict base: extra="forbid", frozen
from anju_contracts.common import Ident
from anju_contracts.gbcode import GbCode, check_gb_code
from anju_edge.config.sources import CameraSource, MqttSource, plain_url

Point = tuple[Annotated[float, Field(ge=0.0, le=1.0)], Annotated[float, Field(ge=0.0, le=1.0)]]
Polygon = Annotated[list[Point], Field(min_length=3, max_length=64)]
# A gateway base URL: http(s), a host, no user or password in it.
HttpUrlText = Annotated[str, AfterValidator(lambda v: plain_url(v, ("http", "https")))]


class Weekday(StrEnum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


class ScheduleWindow(Strict):
    """Armed hours in the box's local time zone; a window may cross midnight (22:00-06:00)."""

    start: time = Field(description="Local time the window opens, HH:MM.")
    end: time = Field(description="Local time it closes, HH:MM; before start means next day.")
    days: list[Weekday] = Field(
        default_factory=lambda: list(Weekday), description="Days on which the window opens."
    )


class BrokerConfig(Strict):
    host: str = Field(default="127.0.0.1", description="Mosquitto on the box itself.")
    port: int = Field(default=1883, ge=1, le=65535, description="Broker TCP port.")
    username: str | None = Field(default=None, description="Broker user of the edge service.")
    password: str | None = Field(default=None, description="Broker password.")
    client_id: str = Field(
        default="anju-edge",
        max_length=64,
        description="Fixed client id: the broker keeps its QoS 1 session across restarts.",
    )
    keepalive_s: int = Field(default=30, ge=5, le=600, description="MQTT keepalive.")
    protocol: Literal["5", "3.1.1"] = Field(
        default="5",
        description="MQTT version; 3.1.1 only for brokers without MQTT 5 (no snapshot metadata).",
    )
    tls_ca: Path | None = Field(default=None, description="CA file to enable TLS.")


class GatewayLink(Strict):
    url: str | None = Field(
        default=None,
        description="Base URL of the gateway (or of its load balancer), e.g. "
        "https://gw.precinct.example; give this or urls.",
    )
    urls: list[HttpUrlText] | None = Field(
        default=None,
        min_length=1,
        max_length=16,
        description="Base URLs of the gateway's replicas, tried in turn: one that refuses, "
        "times out or answers 502/503/504 is left for the next; give this or url.",
    )
    token_file: Path = Field(
        default=Path("token"),
        description="Device token from 'anju edge enrol' (relative paths: under data_dir).",
    )
    batch_size: int = Field(default=50, ge=1, le=100, description="Alerts per upload request.")
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="HTTP timeout per request.")
    backoff_initial_s: float = Field(default=0.5, gt=0, le=60, description="First retry delay.")
    backoff_max_s: float = Field(default=60.0, gt=0, le=3600, description="Longest retry delay.")
    heartbeat_s: float = Field(default=30.0, ge=1, le=600, description="Heartbeat interval.")
    sync_s: float = Field(default=30.0, ge=1, le=3600, description="Watchlist sync interval.")
    ca_file: Path | None = Field(
        default=None,
        description="CA certificate(s) the gateway's certificate must chain to: pinned, the "
        "system's CAs are then not trusted for the gateway.",
    )
    client_cert: Path | None = Field(
        default=None, description="Client certificate (PEM) for gateways that require mTLS."
    )
    client_key: Path | None = Field(
        default=None, description="Key of client_cert (PEM, mode 0600); omit if in client_cert."
    )

    @field_validator("url")
    @classmethod
    def _plain_url(cls, value: str | None) -> str | None:
        return None if value is None else plain_url(value, ("http", "https"))

    @field_validator("urls")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len({u.rstrip("/") for u in value}) != len(value):
            raise ValueError("a URL is listed twice")
        return value

    @field_validator("ca_file", "client_cert", "client_key")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_absolute():
            raise ValueError("give an absolute path, e.g. /etc/anju/gateway-ca.crt")
        return value

    @model_validator(mode="after")
    def _one_of_url_urls(self) -> GatewayLink:
        if self.url is not None and self.urls is not None:
            raise ValueError("give either url (one gateway or its load balancer) or urls, not both")
        if self.url is None and self.urls is None:
            raise ValueError(
                "give the gateway's url (e.g. url: https://gw.precinct.example) "
                "or urls: [...] of its replicas"
            )
        return self

    @model_validator(mode="after")
    def _key_needs_cert(self) -> GatewayLink:
        if self.client_key is not None and self.client_cert is None:
            raise ValueError("client_key is set but client_cert is not")
        return self

    @property
    def base_urls(self) -> tuple[str, ...]:
        """The gateway's base URLs in the order they are tried (one for ``url``); every part of
        the box that talks to the gateway reads this, never ``url`` or ``urls`` themselves."""
        if self.urls is not None:
            return tuple(self.urls)
        assert self.url is not None  # the validator requires one of them
        return (self.url,)


class OutboxConfig(Strict):
    max_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024 * 1024,
        description=(
            "Disk quota of queued alerts; past it the lowest severity, oldest first, is shed."
        ),
    )


class ZoneConfig(Strict):
    id: Ident = Field(description="Zone id, unique per camera.")
    name: str = Field(default="", max_length=64, description="Display name, e.g. 东侧围墙.")
    polygon: Polygon = Field(description="Corners in normalised image coordinates (0..1).")


class _RuleBase(Strict):
    zone: Ident = Field(description="Zone id of this camera the rule watches.")
    severity: Severity | None = Field(default=None, description="Override the rule's severity.")
    schedule: list[ScheduleWindow] | None = Field(
        default=None, description="Armed hours; omitted means always armed."
    )
    min_score: float = Field(default=0.5, ge=0.0, le=1.0, description="Ignore weaker detections.")
    cooldown_s: float = Field(
        default=300.0, ge=0, le=86_400, description="No repeat alert for the same track sooner."
    )


class IntrusionRule(_RuleBase):
    type: Literal["intrusion"] = "intrusion"
    labels: list[str] = Field(default=["person"], description="COCO labels that count.")


class LoiteringRule(_RuleBase):
    type: Literal["loitering"] = "loitering"
    labels: list[str] = Field(default=["person"], description="COCO labels that count.")
    dwell_s: float = Field(default=120.0, gt=0, le=86_400, description="Dwell before the alert.")


class FireLaneRule(_RuleBase):
    type: Literal["fire_lane"] = "fire_lane"
    labels: list[str] = Field(
        default=["car", "truck", "bus", "motorcycle"], description="Vehicles."
    )
    dwell_s: float = Field(default=300.0, gt=0, le=86_400, description="Parked this long: alert.")


class EbikeIndoorRule(_RuleBase):
    type: Literal["ebike_indoor"] = "ebike_indoor"
    labels: list[str] = Field(default=["motorcycle", "bicycle"], description="E-bike labels.")
    dwell_s: float = Field(default=0.0, ge=0, le=3600, description="Seconds seen before alerting.")


class CrowdRule(_RuleBase):
    type: Literal["crowd"] = "crowd"
    labels: list[str] = Field(default=["person"], description="COCO labels that count.")
    max_count: int = Field(ge=1, le=500, description="More than this many at once: alert.")


CameraRule = Annotated[
    IntrusionRule | LoiteringRule | FireLaneRule | EbikeIndoorRule | CrowdRule,
    Field(discriminator="type"),
]


class CameraConfig(Strict):
    id: Ident = Field(description="Camera id, as in its MQTT topics.")
    name: str = Field(default="", max_length=64, description="Display name, e.g. 1号楼大堂.")
    zones: list[ZoneConfig] = Field(default_factory=list, description="Zones the rules refer to.")
    masks: list[Polygon] = Field(
        default_factory=list,
        description="Privacy masks (e.g. residents' windows), blacked out before anything else.",
    )
    rules: list[CameraRule] = Field(default_factory=list, description="What raises alerts.")
    offline_severity: Severity = Field(default=Severity.normal, description="Camera offline alert.")
    source: CameraSource = Field(
        default_factory=MqttSource,
        description="Where frames come from: mqtt (default), rtsp or http_snapshot.",
    )
    gb_code: GbCode | None = Field(
        default=None,
        description="20-digit GB/T 28181 device code (type 131 or 132) for GA/T 1400 uploads.",
    )

    @model_validator(mode="after")
    def _rules_name_known_zones(self) -> CameraConfig:
        if self.gb_code is not None:
            check_gb_code(self.gb_code, "camera", f"camera {self.id}")
        zone_ids = [z.id for z in self.zones]
        if len(set(zone_ids)) != len(zone_ids):
            raise ValueError("zone ids must be unique per camera")
        for rule in self.rules:
            if rule.zone not in zone_ids:
                raise ValueError(f"rule {rule.type} names zone {rule.zone!r}, which is not defined")
        return self


class GateConfig(Strict):
    id: Ident = Field(description="Gate id, as in its MQTT topics.")
    name: str = Field(default="", max_length=64, description="Display name, e.g. 北门.")
    offline_severity: Severity = Field(default=Severity.high, description="Gate offline alert.")
    gb_code: GbCode | None = Field(
        default=None,
        description="20-digit GB/T 28181 device code (type 117 or 134) for GA/T 1400 uploads.",
    )

    @model_validator(mode="after")
    def _gb_code_is_a_gate(self) -> GateConfig:
        if self.gb_code is not None:
            check_gb_code(self.gb_code, "gate", f"gate {self.id}")
        return self


class GateRulesConfig(Strict):
    door_forced: Severity = Field(default=Severity.critical, description="Door forced open.")
    door_held_open: Severity = Field(default=Severity.high, description="Door held open.")
    tamper: Severity = Field(default=Severity.high, description="Controller tampered with.")
    watchlist: Severity = Field(default=Severity.critical, description="Watch-listed plate seen.")
    cooldown_s: float = Field(
        default=60.0, ge=0, le=3600, description="Same rule and gate: no repeat alert sooner."
    )
    offline_grace_s: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="A device must stay offline this long before the alert is raised.",
    )


class DetectorConfig(Strict):
    model: str = Field(default="nanodet-m-416", description="Model name in models/manifest.yaml.")
    precision: Literal["fp32", "int8"] = Field(
        default="fp32",
        description="int8: the quantized copy of the model from the manifest (see detection.md).",
    )
    models_dir: Path | None = Field(
        default=None,
        description="Folder holding manifest.yaml (default: $ANJU_MODELS_DIR, a checkout's "
        "models/, else /opt/anju/models).",
    )
    # Two single-threaded workers beat one two-threaded worker on a 2-core box (measured:
    # 33 vs 28 fps with decoding), because each run leaves the other core something to do.
    threads: int = Field(default=1, ge=1, le=16, description="onnxruntime threads per worker.")
    workers: int = Field(default=2, ge=1, le=8, description="Inference worker threads.")
    min_score: float = Field(default=0.35, ge=0.0, le=1.0, description="Detections below: dropped.")
    max_snapshot_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="Larger snapshots are refused undecoded."
    )
    max_pixels: int = Field(
        default=4096 * 4096, ge=64 * 64, description="Larger images are refused before decoding."
    )


class ConsoleConfig(Strict):
    host: str = Field(default="127.0.0.1", description="Address of the gate console.")
    port: int = Field(default=8081, ge=0, le=65535, description="Gate console port (0: off).")
    visitor_max_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 31,
        description="Longest a visitor pass may be valid; a later valid_until is refused.",
    )
    door_answer_s: float = Field(
        default=10.0,
        ge=1,
        le=300,
        description="How long a remote opening waits for the gate's answer before 未响应.",
    )
    trusted_proxy: str | None = Field(
        default=None,
        max_length=200,
        description=(
            "Address(es) of a reverse proxy in front of the console (comma-separated): only "
            "then is X-Forwarded-For believed. Unset: the peer's address is the client's."
        ),
    )


class EdgeConfig(Strict):
    compound_id: Ident = Field(description="The compound this box serves, as enrolled.")
    name: str = Field(default="", max_length=64, description="Display name of the compound.")
    gb_code: GbCode | None = Field(
        default=None,
        description=(
            "The compound's 20-digit GB/T 28181-style code for the precinct's 视图库, type "
            "216 (虚拟组织, digits 11-13); optional, may be set at the gateway instead."
        ),
    )
    timezone: str = Field(default="Asia/Shanghai", description="Local time for schedules.")
    data_dir: Path = Field(
        default=Path("/var/lib/anju/edge"), description="Outbox, token and caches live here."
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    metrics_port: int = Field(default=9108, ge=0, le=65535, description="Prometheus port (0: off).")
    clock_skew_s: float = Field(
        default=600.0,
        ge=1,
        le=86_400,
        description=(
            "A device time further than this from the box's clock is replaced by the box's "
            "receive time (kept as device_ts) and raises one clock_skew warning."
        ),
    )
    broker: BrokerConfig = Field(default_factory=BrokerConfig, description="Local Mosquitto.")
    gateway: GatewayLink = Field(description="The precinct gateway this box reports to.")
    outbox: OutboxConfig = Field(default_factory=OutboxConfig, description="Alert queue on disk.")
    detector: DetectorConfig = Field(default_factory=DetectorConfig, description="Detection.")
    console: ConsoleConfig = Field(default_factory=ConsoleConfig, description="Gate console.")
    gate_rules: GateRulesConfig = Field(
        default_factory=GateRulesConfig, description="Alerts from gate controller events."
    )
    gates: list[GateConfig] = Field(default_factory=list, description="Gate controllers.")
    cameras: list[CameraConfig] = Field(default_factory=list, description="Cameras.")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in {"debug", "info", "warning", "error"}:
            raise ValueError("expected debug, info, warning or error")
        return value.lower()

    @model_validator(mode="after")
    def _unique_devices(self) -> EdgeConfig:
        for kind, ids in (
            ("gate", [g.id for g in self.gates]),
            ("camera", [c.id for c in self.cameras]),
        ):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{kind} ids must be unique: {', '.join(dupes)}")
        if self.gb_code is not None:
            check_gb_code(self.gb_code, "compound", f"compound {self.compound_id}")
        codes = [(f"{k} {d}", c) for k, d, c in self._coded()]
        if self.gb_code is not None:
            codes.insert(0, (f"compound {self.compound_id}", self.gb_code))
        for i, (device, code) in enumerate(codes):
            for other, same in codes[:i]:
                if same == code:
                    raise ValueError(f"{device}: gb_code {code} is already {other}'s")
        return self

    def _coded(self) -> list[tuple[str, str, str]]:
        gates = [("gate", g.id, g.gb_code) for g in self.gates]
        cameras = [("camera", c.id, c.gb_code) for c in self.cameras]
        return [(k, d, c) for k, d, c in gates + cameras if c is not None]

    def gb_codes(self) -> dict[str, str]:
        """``"<source_kind>:<id>"`` -> gb_code of every coded device."""
        return {f"{k}:{d}": c for k, d, c in self._coded()}

    def token_path(self) -> Path:
        p = self.gateway.token_file
        return p if p.is_absolute() else self.data_dir / p
