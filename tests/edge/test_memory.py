"""The edge process caps glibc's malloc arenas and fixes its mmap threshold before threads
start (anju_edge/memory.py); an operator's own MALLOC_* environment settings win."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from anju_edge.memory import ARENA_MAX, MMAP_THRESHOLD_BYTES

PROBE = "import json; from anju_edge.memory import tune_malloc; print(json.dumps(tune_malloc()))"

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="mallopt is glibc's",
)


def _probe(**env: str) -> dict[str, int]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return dict(json.loads(out.stdout))


@glibc
def test_both_settings_applied_by_default() -> None:
    assert _probe() == {
        "MALLOC_ARENA_MAX": ARENA_MAX,
        "MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD_BYTES,
    }


@glibc
def test_an_operators_environment_wins() -> None:
    assert _probe(MALLOC_ARENA_MAX="4") == {"MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD_BYTES}
    assert _probe(MALLOC_ARENA_MAX="4", MALLOC_MMAP_THRESHOLD_="65536") == {}
