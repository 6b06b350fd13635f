"""The edge service as a real process (`anju edge run`), so tests can kill -9 it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from anju_edge.config import EdgeConfig


class EdgeProcess:
    def __init__(self, config: EdgeConfig, workdir: Path) -> None:
        self.config_path = workdir / "edge.yaml"
        self.config_path.write_text(yaml.safe_dump(config.model_dump(mode="json")), "utf-8")
        self.log_path = workdir / "edge.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> EdgeProcess:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "anju", "edge", "run", "--config", str(self.config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        return self

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
