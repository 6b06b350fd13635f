"""`anju demo` (what `make demo` runs) brings the system up, shows the demo alert, and can run
twice in a row on the same data folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from anju.netutil import free_port


def run_demo(data_dir: Path, port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "anju",
            "demo",
            "--once",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_runs_twice(tmp_path: Path) -> None:
    port = free_port()
    for attempt in (1, 2):
        result = run_demo(tmp_path / "demo", port)
        assert result.returncode == 0, f"run {attempt}:\n{result.stdout}\n{result.stderr[-3000:]}"
        out = result.stdout
        assert f"http://127.0.0.1:{port}/" in out  # the officers' console URL
        assert "Gate console" in out and "officer / anju-officer" in out
        assert "demo alert arrived at the gateway" in out
        assert "door_forced critical at north-gate" in out
        # The demo's cameras: a camera alert with its annotated snapshot.
        assert "camera alert with its snapshot arrived" in out and ", with snapshot)" in out
        assert "supervisor / anju-supervisor" in out
        assert "NOT YET" not in out


def test_demo_with_embedded_broker(tmp_path: Path) -> None:
    """Without Mosquitto (and without root to install it) the demo still works."""
    result = run_demo(tmp_path / "demo", free_port(), "--embedded-broker")
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-3000:]}"
    assert "door_forced critical at north-gate" in result.stdout
