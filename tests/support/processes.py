"""The edge service as a real process (`anju edge run`), so tests can kill -9 it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from anju_edge.config import EdgeConfig


class _Process:
    """A service as a real process, logging to ``log_path``: start, kill -9, stop, its log."""

    log_path: Path
    env: dict[str, str]

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def _spawn(self, args: list[str]) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "anju", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace")[-4000:]


class EdgeProcess(_Process):
    def __init__(self, config: EdgeConfig, workdir: Path) -> None:
        super().__init__()
        self.config_path = workdir / "edge.yaml"
        self.config_path.write_text(yaml.safe_dump(config.model_dump(mode="json")), "utf-8")
        self.log_path = workdir / "edge.log"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    def start(self) -> EdgeProcess:
        self._spawn(["edge", "run", "--config", str(self.config_path)])
        return self


class GatewayProcess(_Process):
    """``anju gateway serve`` as a real process (a replica), so tests can kill -9 it."""

    def __init__(
        self, workdir: Path, port: int, database_url: str | None, **settings: object
    ) -> None:
        """``database_url`` None: SQLite in ``workdir`` (the gateway's default)."""
        super().__init__()
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = port
        self.log_path = workdir / "gateway.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "ANJU_GATEWAY_DATABASE_URL"},
            "PYTHONUNBUFFERED": "1",
            **({"ANJU_GATEWAY_DATABASE_URL": database_url} if database_url else {}),
            **{f"ANJU_GATEWAY_{k.upper()}": str(v) for k, v in settings.items()},
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GatewayProcess:
        self._spawn(["gateway", "serve", "--port", str(self.port), "--data-dir",
                     str(self.workdir), "--log-level", "warning"])  # fmt: skip
        return self
