"""Bulk acknowledge: tick several 待签收 rows and acknowledge them in one click; each is
acknowledged through the lifecycle (owner, audit), the others stay as they were."""

from __future__ import annotations

import pytest

from tests.browser.test_officer_worklist import gw, log_in, named_box, post_alert  # noqa: F401
from tests.support.browser import ARTIFACTS
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser


def test_acknowledge_ticked_rows_at_once(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    box = named_box(gw)
    first = post_alert(box, "normal", kind="device_offline")  # routed to the property
    ids = [post_alert(box, "high", kind="intrusion") for _ in range(3)]
    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page, gw)
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 4")
    # A property-routed alert is the gate's to acknowledge: no tick box for the officer.
    assert page.locator(f"li.alert[data-id='{first}'] input.pick").count() == 0
    for alert_id in ids[:2]:
        page.locator(f"li.alert[data-id='{alert_id}'] input.pick").check()
    page.wait_for_selector("#bulk:not([hidden])")
    assert page.inner_text("#bulk-count") == "已选 2 条"
    assert not page.evaluate("() => document.querySelector('#detail').dataset.id")  # not opened
    page.screenshot(path=str(ARTIFACTS / "officer_bulk_1024x768.png"))
    page.click("#bulk-ack")
    page.wait_for_selector("#bulk", state="hidden")
    officer = gw.login("zhang.wei")
    states = {i: officer.get(f"/api/v1/alerts/{i}").json()["state"] for i in ids}
    assert states == {ids[0]: "acknowledged", ids[1]: "acknowledged", ids[2]: "new"}
    assert officer.get(f"/api/v1/alerts/{ids[0]}").json()["extra"]["owner"] == "zhang.wei"
    events = officer.get(f"/api/v1/alerts/{ids[0]}/events").json()
    assert any(e["action"] == "acknowledge" and e["note"] == "批量签收" for e in events)
    assert page.locator(f"li.alert[data-id='{ids[0]}'] input.pick").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
