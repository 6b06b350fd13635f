"""Device-offline noise in the officers' console: two outages of one camera are one row that
says 2 次; when a heartbeat says the camera is back, the row and the detail say 已恢复 with the
time, and the history says so in words (再次发生 · 第 2 次, 已恢复 · 设备恢复在线)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from ulid import ULID

from anju_contracts import DeviceHealth, Heartbeat, format_ts
from tests.browser.test_officer_worklist import (  # noqa: F401  (gw: fixture)
    OVERFLOWING,
    at_every_size,
    gw,
    log_in,
    named_box,
)
from tests.support.browser import ARTIFACTS
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser


def camera_offline(box: httpx.Client, ts: datetime) -> str:
    alert_id = str(ULID.from_datetime(ts))
    body = {
        "id": alert_id,
        "compound_id": "c1",
        "source_kind": "camera",
        "source_id": "perimeter-east",
        "kind": "device_offline",
        "severity": "normal",
        "ts": format_ts(ts),
        "details": {"device_kind": "camera", "state": "offline", "offline_s": 60.0},
    }
    resp = box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [body]})
    assert resp.status_code == 200 and resp.json()["receipts"][0]["status"] == "stored"
    return alert_id


def camera_back(box: httpx.Client, ts: datetime) -> None:
    beat = Heartbeat(
        compound_id="c1",
        ts=ts,
        uptime_s=600,
        software_version="0.2.0",
        queue_depth=0,
        devices=[DeviceHealth(kind="camera", id="perimeter-east", state="online")],
    )
    assert box.post("/api/v1/edge/heartbeat", content=beat.model_dump_json()).status_code == 204


def shanghai(iso: str) -> str:
    at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Shanghai"))
    return at.strftime("%m/%d %H:%M:%S")


def test_two_outages_one_row_then_recovered(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    box = named_box(gw)
    now = datetime.now(UTC)
    first = camera_offline(box, now - timedelta(minutes=3))
    log_in(page, gw)
    page.wait_for_selector("#live-dot.on")
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 1")
    row = page.locator(f"li.alert[data-id='{first}']")
    assert "次" not in row.inner_text()

    camera_offline(box, now - timedelta(minutes=1))  # offline again while the alert is open
    page.wait_for_selector(f"li.alert[data-id='{first}'] .outage .times")
    assert page.locator("li.alert").count() == 1
    assert row.locator(".times").inner_text() == "2 次"
    row.click()
    page.wait_for_function(f"() => document.querySelector('#detail')?.dataset.id === '{first}'")
    assert page.inner_text("#detail-occurrences") == "2 次"
    assert page.inner_text("#detail-latest") == shanghai(format_ts(now - timedelta(minutes=1)))
    assert "再次发生 · 第 2 次" in page.inner_text("ol.history")

    camera_back(box, datetime.now(UTC))
    page.wait_for_selector(f"li.alert[data-id='{first}'] .outage .recovered")
    officer = gw.login("zhang.wei")
    cleared_at = officer.get(f"/api/v1/alerts/{first}").json()["details"]["cleared_at"]
    assert row.locator(".recovered").inner_text() == f"已恢复 {shanghai(cleared_at)}"
    page.wait_for_selector("ol.history li:has-text('设备恢复在线')")
    detail = page.inner_text("#detail dl")
    assert (
        f"已恢复\n{shanghai(cleared_at)}" in detail or f"已恢复\t{shanghai(cleared_at)}" in detail
    )
    assert "cleared_at" not in detail and "occurrence" not in page.inner_text("#detail")
    history = page.inner_text("ol.history")
    assert "已恢复 · 设备恢复在线" in history

    at_every_size(page, "officer_offline")

    page.click("button.lang-switch >> nth=-1")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert row.locator(".times").inner_text() == "2 times"
    assert row.locator(".recovered").inner_text().startswith("Recovered ")
    assert "occurrence 2" in page.inner_text("ol.history")
    assert page.evaluate(OVERFLOWING) == [], "overflow in English at 1024x768"
    page.screenshot(path=str(ARTIFACTS / "officer_offline_en_1024x768.png"))
