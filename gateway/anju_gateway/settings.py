"""Gateway settings (environment variables ANJU_GATEWAY_*, or keyword arguments in tests)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from anju_gateway.store.db import Database

ENV_PREFIX = "ANJU_GATEWAY_"


class UnknownSetting(ValueError):
    """An ``ANJU_GATEWAY_*`` variable that names no setting (a typo, or a retired setting)."""


def unknown_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """The ``ANJU_GATEWAY_*`` variables of the environment that name no setting, sorted."""
    names = {f"{ENV_PREFIX}{field}".upper() for field in GatewaySettings.model_fields}
    env = os.environ if environ is None else environ
    return sorted(k for k in env if k.upper().startswith(ENV_PREFIX) and k.upper() not in names)


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    data_dir: Path = Field(
        default=Path("./var/gateway"),
        description="Folder of the gateway's files (the SQLite database unless database_url "
        "names another, the 视图库 passwords).",
    )
    database_url: str | None = Field(
        default=None,
        description="Where the store lives: postgresql://user:password@host:5432/db for "
        "PostgreSQL (several replicas share it), a path or sqlite:///path for SQLite; unset: "
        "SQLite in data_dir.",
    )
    database_pool_max: int = Field(
        default=20, ge=1, le=500, description="PostgreSQL connections one replica may hold."
    )
    database_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="Longest wait for a PostgreSQL connection or to connect (statements: 6x).",
    )
    job_lease_s: float = Field(
        default=10.0,
        ge=1,
        le=600,
        description="Lease of a background job (SLA sweeper, supervision, precinct links) on "
        "one replica; another replica takes the job this long after its holder went silent.",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP server binds.")
    port: int = Field(default=8080, ge=1, le=65535, description="HTTP port.")
    timezone: str = Field(default="Asia/Shanghai", description="Local time of the consoles.")
    max_body_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="Larger request bodies are answered 413."
    )
    enrol_code_ttl_minutes: int = Field(
        default=24 * 60, ge=1, le=30 * 24 * 60, description="How long an enrolment code lives."
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="Console session life.")
    cookie_secure: bool = Field(
        default=False, description="Mark the session cookie Secure (set behind TLS)."
    )

    # --- reports, edge sync, precinct webhooks (issue 5b) ---
    sync_wait_max_s: int = Field(
        default=25, ge=0, le=60, description="Longest long-poll hold of GET /api/v1/edge/sync."
    )
    sync_recheck_s: float = Field(
        default=1.0, gt=0, le=60, description="A held sync request re-reads the store this often."
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Attempts before a delivery is dead-lettered."
    )
    webhook_backoff_initial_s: float = Field(
        default=5.0, gt=0, le=3600, description="Delay before the first webhook retry."
    )
    webhook_backoff_max_s: float = Field(
        default=1800.0, gt=0, le=86_400, description="Longest delay between webhook retries."
    )
    webhook_poll_s: float = Field(
        default=1.0, gt=0, le=60, description="How often the webhook worker looks for work."
    )
    webhook_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="HTTP timeout of one webhook POST."
    )

    # --- GA/T 1400 (视图库) link per precinct (issue 17) ---
    viid_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Upload attempts before an object is dead-lettered."
    )
    viid_backoff_initial_s: float = Field(
        default=5.0, gt=0, le=3600, description="Delay before an object's first upload retry."
    )
    viid_backoff_max_s: float = Field(
        default=1800.0, gt=0, le=86_400, description="Longest delay between upload retries."
    )
    viid_auth_retry_s: float = Field(
        default=600.0, gt=0, le=86_400, description="Wait after refused credentials."
    )
    viid_poll_s: float = Field(
        default=1.0, gt=0, le=60, description="How often the GA/T 1400 worker looks for work."
    )
    viid_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="HTTP timeout of one GA/T 1400 request."
    )

    sla_ack_minutes_critical: float = Field(
        default=1, gt=0, le=1440, description="Acknowledge a critical alert within (minutes)."
    )
    sla_ack_minutes_high: float = Field(
        default=3, gt=0, le=1440, description="Acknowledge a high alert within (minutes)."
    )
    sla_ack_minutes_normal: float = Field(
        default=5, gt=0, le=1440, description="Acknowledge normal and low alerts within (minutes)."
    )
    sla_close_hours: float = Field(
        default=24,
        gt=0,
        le=720,
        description="Close every police alert within (hours; 0.5 = 30 minutes): 警情清零.",
    )
    sla_property_ack_minutes: float = Field(
        default=10,
        gt=0,
        le=1440,
        description="Acknowledge a property-routed alert at the gate console within (minutes).",
    )
    sla_property_close_hours: float = Field(
        default=24,
        gt=0,
        le=720,
        description="Close a property-routed alert at the gate console within (hours).",
    )
    sla_sweep_seconds: float = Field(
        default=5, gt=0, le=300, description="How often SLA breaches are looked for."
    )
    edge_offline_after_s: float = Field(
        default=90,
        gt=0,
        le=86400,
        description=(
            "A box silent this long (3 missed 30 s heartbeats), or enrolled and never heard "
            "from, is alerted within it (the sweep counted in)."
        ),
    )
    offline_recovery_closes: bool = Field(
        default=False,
        description=(
            "A property-routed device-offline (or never-seen) alert closes itself when its "
            "device is back online (已办结, resolution handled, by system); off, it stays open, "
            "marked 已恢复, for the gate console to close."
        ),
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed logins per user and address before a pause."
    )
    login_window_seconds: float = Field(
        default=300, gt=0, le=86400, description="Window (and pause) of the login rate limit."
    )
    login_max_failures_per_address: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description=(
            "Failed logins from one address, whatever the usernames, before a pause (spraying)."
        ),
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=16,
        max_length=256,
        repr=False,
        description=(
            "Bearer token GET /metrics requires; unset, /metrics is refused (403). "
            "Give Prometheus the same token."
        ),
    )

    @model_validator(mode="after")
    def _no_unknown_environment(self) -> GatewaySettings:
        # pydantic-settings reads only the variables it knows and ignores the rest, so a typo
        # (or a retired name) would silently leave the default in force: refuse it by name.
        unknown = unknown_environment()
        if unknown:
            raise UnknownSetting(
                f"unknown setting(s) {', '.join(unknown)}: not an ANJU_GATEWAY_* setting "
                "(docs/configuration.md lists them)"
            )
        return self

    @property
    def edge_sweep_s(self) -> float:
        """How often silent boxes are looked for: every second (a cheap indexed query), more
        often for a window under 10 s."""
        return min(1.0, self.edge_offline_after_s / 10)

    @property
    def edge_sweep_slack_s(self) -> float:
        """Room for a sweep's own run (well under this) in the offline window."""
        return min(0.5, self.edge_offline_after_s / 20)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "gateway.sqlite3"

    @property
    def database_target(self) -> str | Path:
        """The database URL if one is set, else the SQLite file in ``data_dir``."""
        return self.database_url or self.db_path

    def open_database(self) -> Database:
        """The store these settings name (not yet migrated)."""
        from anju_gateway.store.db import open_database

        return open_database(
            self.database_target,
            pool_max=self.database_pool_max,
            timeout_s=self.database_timeout_s,
        )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in ("", "sqlite", "postgresql", "postgres"):
            raise ValueError(
                f"unknown database scheme {scheme}://: use postgresql://… or a SQLite path"
            )
        return value
