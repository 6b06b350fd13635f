"""The Makefile's promises to a newcomer: packages before the venv, one apt-get line, demo flags.

`make fresh-check` (tests/machines/) runs the real thing on a blank Debian 12; these are the
quick checks of the same Makefile on this machine.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = (ROOT / "Makefile").read_text("utf-8")


# Nothing of an outer make (this suite runs under `make test`) or of its command line leaks in.
OUTER = {
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
    "MAKEOVERRIDES",
    "ONCE",
    "PORT",
    "ARGS",
    "VENV",
    "PYTHON",
}


def make(*args: str, as_user: bool = False) -> subprocess.CompletedProcess[str]:
    """Run make with the project's Makefile on stdin; as_user drops root to nobody first."""
    drop = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    cmd = [*(drop if as_user and os.geteuid() == 0 else []), "make", "--no-print-directory"]
    env = {k: v for k, v in os.environ.items() if k not in OUTER}
    return subprocess.run(
        [*cmd, "-f", "-", *args],
        input=MAKEFILE,
        cwd=ROOT if not as_user else "/",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_demo_takes_once_and_port() -> None:
    out = make("-n", "demo", "ONCE=1", "PORT=9123").stdout
    assert "anju demo --once --port 9123" in out
    assert make("-n", "demo", "ARGS=--once").stdout.rstrip().endswith("anju demo --once")
    assert make("-n", "demo", "ONCE=0").stdout.rstrip().endswith("anju demo")


def test_packages_are_checked_before_the_venv_is_made(tmp_path: Path) -> None:
    out = make("-n", "setup", f"VENV={tmp_path / 'venv'}").stdout
    assert "import ensurepip" in out, out
    assert out.index("import ensurepip") < out.index(f"-m venv {tmp_path / 'venv'}"), out


def test_without_root_the_one_apt_get_command_is_printed_and_make_stops() -> None:
    # PYTHON=/bin/false: python3-venv looks missing; a user cannot install it, so make says how.
    result = make("-s", "system-deps", "PYTHON=/bin/false", as_user=True)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "run 'sudo apt-get install -y python3-venv" in result.stdout, result.stdout
    assert "installing" not in result.stdout
