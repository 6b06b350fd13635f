"""The gate console's device board names a pulled camera's wrong password (密码错误), not just
离线, so the guard knows to call the installer rather than check the cable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from anju_contracts import DeviceState
from tests.support.browser import ARTIFACTS
from tests.support.cameras import http_camera
from tests.support.gate_site import GateSite, gate_site
from tests.support.servers import PASSWORD, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def site(tmp_path: Path, broker) -> Iterator[GateSite]:  # type: ignore[no-untyped-def]
    with http_camera(auth="digest", password="right-Secret-1") as cam:
        wrong = tmp_path / "wrong.pass"
        wrong.write_text("wrong-Secret-2\n")
        source = {**cam.source_config(interval_s=0.5, timeout_s=1), "password_file": str(wrong)}
        pulled = {"id": "gate-cam", "name": "北门摄像机", "source": source}
        yield from gate_site(tmp_path, broker.port, cameras=[pulled])


def test_a_camera_refusing_the_password_shows_as_such(site: GateSite, page) -> None:  # type: ignore[no-untyped-def]
    wait_until(
        lambda: any(
            d.id == "gate-cam" and d.state is DeviceState.auth_failed
            for d in site.edge.devices.health()
        ),
        timeout=15,
        message="the camera refusing the box's password",
    )
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(site.url + "/")
    page.fill("input[name=username]", "pm")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    row = page.locator("#devices li:has-text('北门摄像机')")
    row.wait_for(timeout=10_000)
    page.wait_for_function(
        "() => document.querySelector('#devices').innerText.includes('密码错误')", timeout=10_000
    )
    assert "密码错误" in row.inner_text() and "gate-cam" not in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "gate-console-device-auth-failed-1024x768.png"))
