"""The installer's architecture check, alone: the task from deploy/ansible run by Ansible itself
against hosts that claim each architecture. 32-bit ARM is refused with a message that names what
was found and what to flash instead; 64-bit ARM and x86 pass."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import ANSIBLE_DIR, ansible_tool

TASKS = ANSIBLE_DIR / "roles" / "anju_common" / "tasks" / "main.yml"
REFUSED = ("armv7l", "armv6l", "i686")
ACCEPTED = ("aarch64", "x86_64")
RESULT = re.compile(r"^(ok|fatal): \[([^\]]+)\](?:: FAILED! => (\{.*\}))?\s*$", re.M)


def architecture_task() -> dict[str, Any]:
    tasks = yaml.safe_load(TASKS.read_text("utf-8"))
    found = [
        t
        for t in tasks
        if "ansible.builtin.assert" in t
        and "ansible_architecture" in str(t["ansible.builtin.assert"])
    ]
    assert len(found) == 1, f"expected one architecture assert in {TASKS}, found {len(found)}"
    task: dict[str, Any] = found[0]
    return task


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any] | None]:
    """host -> None when the check passed, or the failed result (with its msg)."""
    folder = tmp_path_factory.mktemp("arch")
    hosts = {
        arch: {"ansible_connection": "local", "ansible_architecture": arch}
        for arch in REFUSED + ACCEPTED
    }
    (folder / "inventory.yml").write_text(json.dumps({"all": {"hosts": hosts}}), "utf-8")
    play = [{"hosts": "all", "gather_facts": False, "tasks": [architecture_task()]}]
    (folder / "check.yml").write_text(yaml.safe_dump(play, allow_unicode=True), "utf-8")
    env = dict(
        os.environ,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_STDOUT_CALLBACK="default",
        ANSIBLE_CALLBACK_RESULT_FORMAT="json",
        ANSIBLE_CONFIG=str(folder / "none.cfg"),
    )
    run = subprocess.run(
        [str(ansible_tool("ansible-playbook")), "-i", "inventory.yml", "check.yml"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out: dict[str, dict[str, Any] | None] = {
        host: (json.loads(failed) if status == "fatal" else None)
        for status, host, failed in RESULT.findall(run.stdout)
    }
    assert set(out) == set(hosts), run.stdout[-3000:] + run.stderr[-2000:]
    return out


@pytest.mark.parametrize("arch", REFUSED)
def test_32bit_and_other_architectures_are_refused(
    results: dict[str, dict[str, Any] | None], arch: str
) -> None:
    failed = results[arch]
    assert failed is not None, f"{arch} was accepted"
    assert f"found {arch}." in failed["msg"]


def test_the_armv7_message_says_why_and_what_to_flash(
    results: dict[str, dict[str, Any] | None],
) -> None:
    failed = results["armv7l"]
    assert failed is not None
    msg = " ".join(failed["msg"].split())
    assert msg.startswith("Anju needs a 64-bit OS (aarch64 or x86_64): found armv7l."), msg
    assert "onnxruntime, OpenCV and numpy publish no 32-bit ARM wheels" in msg
    assert "Raspberry Pi OS Lite (64-bit) or Debian 12 arm64" in msg
    # The message is rendered, not shown as a template.
    assert "{{" not in msg


@pytest.mark.parametrize("arch", ACCEPTED)
def test_64bit_architectures_pass(results: dict[str, dict[str, Any] | None], arch: str) -> None:
    assert results[arch] is None


def test_docs_quote_the_message() -> None:
    install = (Path(__file__).resolve().parents[2] / "docs" / "install.md").read_text("utf-8")
    assert "Anju needs a 64-bit OS" in install and "found armv7l" in install
