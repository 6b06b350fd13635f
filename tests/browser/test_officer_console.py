"""The officers' console in real headless Chromium: log in, watch an alert arrive live,
acknowledge, dispatch, resolve; the daily report then shows it closed in time."""

from __future__ import annotations

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest
from ulid import ULID

from anju_contracts import DeviceHealth, Heartbeat, format_ts, utcnow
from anju_edge.camera.annotate import draw_detections, draw_zone, thumbnail_jpeg
from anju_edge.detect.api import Detection
from anju_gateway.edges.enrolment import enrol
from tests.support.browser import ARTIFACTS

pytestmark = pytest.mark.browser


def edge_box(gateway) -> httpx.Client:  # type: ignore[no-untyped-def]
    """An enrolled edge box's HTTP client, as the real uplink uses it."""
    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="box-c1", now=utcnow()).token
    return httpx.Client(base_url=gateway.url, headers={"Authorization": f"Bearer {token}"})


def annotated_snapshot() -> str:
    """A picture annotated by the edge's own drawing code (zone and a person box)."""
    image = np.full((360, 640, 3), 70, np.uint8)
    image[200:, :] = 110  # a floor, so the picture is not one flat colour
    image = draw_zone(image, [(0.5, 0.4), (0.95, 0.4), (0.95, 0.95), (0.5, 0.95)])
    image = draw_detections(image, [Detection("person", 0.91, 380, 150, 470, 340)])
    return base64.b64encode(thumbnail_jpeg(image)).decode()


def post_alert(box: httpx.Client) -> str:
    alert_id = str(ULID())
    body = {
        "v": 1,
        "alerts": [
            {
                "id": alert_id,
                "compound_id": "c1",
                "source_kind": "gate",
                "source_id": "north-gate",
                "kind": "door_forced",
                "severity": "critical",
                "ts": format_ts(utcnow()),
                "zone": "north-door",
                "objects": [{"label": "person", "score": 0.91, "box": [0.59, 0.42, 0.73, 0.94]}],
                "details": {"event_type": "door_forced"},
                "snapshot_jpeg_b64": annotated_snapshot(),
            }
        ],
    }
    resp = box.post("/api/v1/edge/alerts", json=body)
    assert resp.status_code == 200, resp.text
    return alert_id


def send_heartbeat(box: httpx.Client) -> None:
    beat = Heartbeat(
        compound_id="c1",
        ts=utcnow(),
        uptime_s=3600,
        software_version="0.1.0",
        queue_depth=2,
        devices=[
            DeviceHealth(kind="gate", id="north-gate", state="online"),
            DeviceHealth(kind="camera", id="cam-east", state="offline"),
        ],
    )
    resp = box.post(
        "/api/v1/edge/heartbeat",
        content=beat.model_dump_json(),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 204, resp.text


def test_officer_handles_a_live_alert(gateway, page) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("zhang.wei", "officer", precinct_id="p1")
    page.goto(gateway.url + "/")
    page.fill("input[name=username]", "zhang.wei")
    page.fill("input[name=password]", "wrong-password")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login-error:has-text('用户名或密码错误')")
    page.fill("input[name=password]", "test-password-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    page.wait_for_selector("#live-dot.on")  # the live feed is connected
    assert page.locator("#empty").is_visible()

    box = edge_box(gateway)
    alert_id = post_alert(box)
    row = page.locator(f"li.alert[data-id='{alert_id}']")
    row.wait_for(timeout=10_000)  # arrived without a reload
    assert "门被强行打开" in row.inner_text() and "待签收" in row.inner_text()
    assert "签收剩余" in row.inner_text()
    page.wait_for_selector("#toast:not([hidden])")

    row.click()
    page.wait_for_selector("#detail h2:has-text('门被强行打开')")
    assert "签收剩余" in page.inner_text("#detail-sla")  # the 1-minute clock is running
    page.wait_for_function(
        "() => document.querySelector('#snapshot')?.naturalWidth === 640"
    )  # the annotated snapshot loaded
    assert "人 91%" in page.inner_text("#detail dl")  # the object in words
    page.screenshot(path=str(ARTIFACTS / "officer_console_new_alert.png"))
    page.fill("#act input[name=note]", "已通知保安")
    page.click("#act button[data-action=acknowledge]")
    page.wait_for_selector("#detail-state:has-text('已签收')")
    page.fill("#act input[name=target]", "巡逻一组")  # 派警 names whom (a unit, typed)
    page.click("#act button[data-action=dispatch]")
    page.wait_for_selector("#detail-state:has-text('已派警')")
    # One step: the resolution chooser is there as soon as 办结 is offered.
    assert page.locator("#act select[name=resolution]").is_visible()
    page.select_option("#act select[name=resolution]", "handled")
    page.fill("#act input[name=note]", "门禁已复位")
    page.click("#act button[data-action=resolve]")
    page.wait_for_selector("#detail-state:has-text('已办结')")
    page.screenshot(path=str(ARTIFACTS / "officer_console_resolved.png"))
    history = page.locator("ol.history").inner_text()
    assert "zhang.wei" in history and "门禁已复位" in history
    assert row.get_attribute("data-state") == "resolved"

    page.click("button.lang-switch >> nth=-1")
    page.wait_for_selector("#detail-state:has-text('Resolved')")
    page.click("button.lang-switch >> nth=-1")

    # The device board, from the box's real heartbeat through GET /api/v1/edges.
    send_heartbeat(box)
    page.click("a.tab[data-tab=board]")
    board = page.locator("#edges tr", has_text="边缘盒 1")  # by compound and number
    board.wait_for()
    assert board.locator("td.compound").inner_text() == "c1"  # not by hostname
    text = board.inner_text()
    # This heartbeat names no device (as a box older than names sends): ids are all there is.
    assert "在线" in text and "门禁 north-gate · 在线" in text and "摄像机 cam-east · 离线" in text
    assert "box-c1" not in text
    page.screenshot(path=str(ARTIFACTS / "officer_console_board.png"))
    page.click("a.tab[data-tab=feed]")

    state = (
        gateway.db.conn()
        .execute("SELECT state, owner, resolution FROM alerts WHERE id = ?", (alert_id,))
        .fetchone()
    )
    assert tuple(state) == ("resolved", "zhang.wei", "handled")

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    page.goto(f"{gateway.url}/reports/daily?date={today}")
    text = page.inner_text("body")
    assert "c1" in text
    assert "100" in text  # the one alert was closed within 24 h: 100 %


def test_next_officer_on_a_shared_pc_sees_only_their_compounds(gateway, page) -> None:  # type: ignore[no-untyped-def]
    gateway.add_compound("c2", "p2", name="第二小区")
    gateway.add_user("zhang.wei", "officer", precinct_id="p1")
    gateway.add_user("li.na", "officer", precinct_id="p2")
    post_alert(edge_box(gateway))  # an alert in c1 (precinct p1)

    def log_in(username: str) -> list[str]:
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "test-password-1")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#app:not([hidden])")
        page.wait_for_function(
            "() => document.querySelectorAll('#filters select[name=compound_id] option').length > 1"
        )
        return page.eval_on_selector_all(
            "#filters select[name=compound_id] option", "os => os.map(o => o.value)"
        )

    page.goto(gateway.url + "/")
    assert log_in("zhang.wei") == ["", "c1"]
    page.locator("li.alert").first.click()
    page.wait_for_selector("#detail h2:has-text('门被强行打开')")
    page.click("#logout")
    page.wait_for_selector("#login:not([hidden])")
    assert log_in("li.na") == ["", "c2"]  # not zhang.wei's c1 as well
    page.wait_for_selector("#empty:visible")
    assert page.locator("li.alert").count() == 0
    # Nor the alert zhang.wei had open, with its snapshot.
    assert "门被强行打开" not in page.inner_text("#detail")
    assert page.locator("#snapshot").count() == 0


def test_the_board_shows_what_a_box_lost_and_the_feed_raises_it(gateway, page) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("zhang.wei", "officer", precinct_id="p1")
    box = edge_box(gateway)
    page.goto(gateway.url + "/")
    page.fill("input[name=username]", "zhang.wei")
    page.fill("input[name=password]", "test-password-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#live-dot.on")

    beat = Heartbeat(
        compound_id="c1",
        ts=utcnow(),
        uptime_s=60,
        software_version="0.1.0",
        queue_depth=0,
        shed_total=3,
        dead_letters_total=1,
    )
    resp = box.post(
        "/api/v1/edge/heartbeat",
        content=beat.model_dump_json(),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 204, resp.text
    lost = page.locator("li.alert", has_text="边缘盒丢失数据")
    lost.first.wait_for(timeout=10_000)  # arrived live, one per counter
    assert lost.count() == 2

    page.click("a.tab[data-tab=board]")
    row = page.locator("#edges tr", has_text="边缘盒 1")
    row.wait_for()
    cell = row.locator("td.lost").inner_text()
    assert "超配额丢弃 3" in cell and "处理失败 1" in cell
    page.screenshot(path=str(ARTIFACTS / "officer_console_board_data_loss.png"))
