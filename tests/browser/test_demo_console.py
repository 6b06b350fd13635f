"""`make demo` shows the main feature: within 60 s of its start the officers' console (a real
Chromium) lists a camera alert whose annotated snapshot loads."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from anju.netutil import free_port, wait_for_port
from tests.support.browser import ARTIFACTS

pytestmark = pytest.mark.browser

CAMERA_KINDS = ("周界入侵", "人员聚集", "占用消防通道", "电动车进楼")


@pytest.fixture
def demo(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "anju", "demo", "--data-dir", str(tmp_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        yield f"http://127.0.0.1:{port}", started
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        (ARTIFACTS / "demo_console.log").parent.mkdir(exist_ok=True)
        (ARTIFACTS / "demo_console.log").write_text(out)


def test_a_camera_alert_with_its_snapshot_within_60_s(demo, page) -> None:  # type: ignore[no-untyped-def]
    url, started = demo
    page.goto(url + "/")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "anju-officer")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    left_ms = max(1_000, int((started + 60 - time.monotonic()) * 1000))
    selector = ", ".join(f"li.alert:has-text('{kind}')" for kind in CAMERA_KINDS)
    row = page.locator(selector).first
    row.wait_for(timeout=left_ms)
    row.click()
    page.wait_for_function(
        "() => document.querySelector('#snapshot')?.naturalWidth > 0",
        timeout=max(1_000, int((started + 60 - time.monotonic()) * 1000)),
    )
    assert time.monotonic() - started < 60
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-console-camera-alert-1366x768.png"))
