"""Gateway settings (environment variables ANJU_GATEWAY_*, or keyword arguments in tests)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_GATEWAY_", extra="forbid")

    data_dir: Path = Field(
        default=Path("./var/gateway"), description="Folder of the SQLite database and its files."
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

    sla_ack_minutes_critical: float = Field(
        default=1, gt=0, le=1440, description="Acknowledge a critical alert within (minutes)."
    )
    sla_ack_minutes_high: float = Field(
        default=3, gt=0, le=1440, description="Acknowledge a high alert within (minutes)."
    )
    sla_ack_minutes_normal: float = Field(
        default=5, gt=0, le=1440, description="Acknowledge normal and low alerts within (minutes)."
    )
    sla_close_hours: int = Field(
        default=24, ge=1, le=720, description="Close every alert within (hours): 警情清零."
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
