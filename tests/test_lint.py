"""Ruff-clean (format and lint); mypy-clean on every package but the model tools."""

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
    # The same packages as `make lint`.
    packages = ("contracts/anju_contracts", "common/anju_common", "edge/anju_edge",
                "gateway/anju_gateway", "firmware-sim/anju_sim", "anju")  # fmt: skip
    result = run(str(BIN / "mypy"), *packages)
    assert result.returncode == 0, result.stdout + result.stderr
