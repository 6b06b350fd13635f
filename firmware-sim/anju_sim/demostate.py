"""The running demo's state file: where its broker is, so `anju sim run` plays against the demo
without being told, and never falls silently on the system broker at 1883.

`anju demo` writes it when everything is up and removes it on exit; a file left by a demo that
died (its pid is gone) is ignored.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from pydantic import Field, ValidationError

from anju_contracts import Strict

logger = logging.getLogger(__name__)

STATE_FILE = "demo-state.json"
DEFAULT_DEMO_DIR = Path("var/demo")


class DemoState(Strict):
    """The file's content (JSON)."""

    pid: int = Field(gt=0, description="The demo's process: the file is stale once it is gone.")
    broker_host: str
    broker_port: int = Field(gt=0, lt=65536)
    mqtt5: bool = Field(description="False for the embedded broker (MQTT 3.1.1 only).")
    compound_id: str
    gateway_url: str

    @property
    def broker_url(self) -> str:
        return f"mqtt://{self.broker_host}:{self.broker_port}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def write_demo_state(data_dir: Path, state: DemoState) -> Path:
    path = data_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(state.model_dump_json(indent=2), "utf-8")
    tmp.replace(path)  # readers never see half a file
    return path


def remove_demo_state(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (data_dir / STATE_FILE).unlink()


def read_demo_state(data_dir: Path = DEFAULT_DEMO_DIR) -> DemoState | None:
    """The running demo's state, or None: no file, a file that does not parse, or a dead pid."""
    path = data_dir / STATE_FILE
    try:
        state = DemoState.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as exc:
        logger.warning("ignored %s: %s", path, str(exc).splitlines()[0])
        return None
    if not _alive(state.pid):
        logger.info("ignored %s: the demo (pid %d) is no longer running", path, state.pid)
        return None
    return state
