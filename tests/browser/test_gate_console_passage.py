"""The gate console tells the property manager when vehicle passage records go to the police
(issue 17): no notice while the compound's switch is off; switched on by an admin at the
gateway, the header shows 车辆通行记录上传公安：已开启 with what is sent in its tooltip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import ARTIFACTS
from tests.support.gate_site import GateSite, gate_site
from tests.support.servers import PASSWORD, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def site(tmp_path: Path, broker) -> Iterator[GateSite]:  # type: ignore[no-untyped-def]
    yield from gate_site(tmp_path, broker.port)


def test_header_shows_that_passage_upload_is_on(site: GateSite, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(site.url + "/")
    page.fill("input[name=username]", "pm")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.locator("#uplink-state").wait_for(timeout=10_000)
    page.wait_for_function(
        "() => document.querySelector('#uplink-state').textContent", timeout=10_000
    )
    badge = page.locator("#passage-badge")
    assert badge.is_hidden()  # off by default: no notice

    site.gw.add_user("admin", "admin")
    put = site.gw.login("admin").put("/api/v1/compounds/c1/passage-upload", json={"enabled": True})
    assert put.status_code == 200
    wait_until(lambda: site.edge.passage_upload(), timeout=10, message="the switch at the edge")
    badge.wait_for(state="visible", timeout=15_000)  # the header's status poll shows it
    assert badge.inner_text() == "车辆通行记录上传公安：已开启"
    tip = badge.get_attribute("title") or ""
    assert "车牌" in tip and "不含图片" in tip and "卡号" in tip
    box = badge.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1024  # not pushed off the header
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1024, 1366):
        page.set_viewport_size({"width": width, "height": 768})
        page.screenshot(path=str(ARTIFACTS / f"gate-console-passage-upload-{width}x768.png"))

    page.set_viewport_size({"width": 1024, "height": 768})
    page.click("#app button.lang")
    page.wait_for_function(
        "() => document.querySelector('#passage-badge').textContent.includes('police')",
        timeout=10_000,
    )
    box = badge.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1024
    page.screenshot(path=str(ARTIFACTS / "gate-console-passage-upload-en-1024x768.png"))
    site.gw.login("admin").put("/api/v1/compounds/c1/passage-upload", json={"enabled": False})
    badge.wait_for(state="hidden", timeout=15_000)
