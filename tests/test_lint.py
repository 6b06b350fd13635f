"""Ruff-clean (format and lint); mypy-clean on the contracts, the edge core and the simulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_format() -> None:
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_lint() -> None:
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_contracts_edge_and_simulator() -> None:
    result = run(
        str(BIN / "mypy"), "contracts/anju_contracts", "edge/anju_edge", "firmware-sim/anju_sim"
    )
    assert result.returncode == 0, result.stdout + result.stderr
