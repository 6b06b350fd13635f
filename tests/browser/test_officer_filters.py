"""Filters by gate/camera and by zone, by name, in the API and the officers' console; the
detail pane follows the filter (an alert the filter hides is not left open)."""

from __future__ import annotations

import pytest

from tests.browser.test_officer_worklist import gw, log_in, named_box, post_alert  # noqa: F401
from tests.support.browser import ARTIFACTS
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser


def test_filter_by_camera_and_zone(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    box = named_box(gw)
    camera = post_alert(box, "high", kind="intrusion")  # 东侧围墙 · 东墙内侧
    gate = post_alert(box, "critical", kind="door_forced")  # 北门, no zone
    officer = gw.login("zhang.wei")
    by_source = officer.get("/api/v1/alerts", params={"source_id": "north-gate"}).json()
    assert [a["id"] for a in by_source["alerts"]] == [gate]
    by_zone = officer.get("/api/v1/alerts", params={"zone": "east-fence"}).json()
    assert [a["id"] for a in by_zone["alerts"]] == [camera]

    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page, gw)
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 2")
    page.locator(f"li.alert[data-id='{gate}']").click()
    page.wait_for_function(f"() => document.querySelector('#detail')?.dataset.id === '{gate}'")
    # The options are names, not ids.
    sources = page.eval_on_selector_all(
        "select[name=source_id] option", "os => os.map(o => o.textContent)"
    )
    assert sources == ["全部门禁/摄像机", "门禁 北门", "摄像机 东侧围墙"]  # by pinyin
    zones = page.eval_on_selector_all(
        "select[name=zone] option", "os => os.map(o => o.textContent)"
    )
    assert zones == ["全部区域", "东墙内侧"]
    page.select_option("select[name=source_id]", "perimeter-east")
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 1")
    assert page.locator("li.alert").first.get_attribute("data-id") == camera
    # The open gate alert is hidden by the filter: the detail no longer shows it.
    page.wait_for_function("() => !document.querySelector('#detail').dataset.id")
    assert "门被强行打开" not in page.inner_text("#detail")
    page.select_option("select[name=source_id]", "")
    page.select_option("select[name=zone]", "east-fence")
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "officer_filters_1024x768.png"))
