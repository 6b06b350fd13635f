"""Alerts worked at the gate console by who handles them, in Debian's Chromium at 1024x768 and
1366x768: a property alert (a door held open) is 签收, 处理 and 关闭 with a reason against its
clock, and the gateway has it closed on the property's track; a police alert (a forced door) is
read-only with 物业到场, and at the gateway its police state stays `new` with the 物业到场 note in
its history. Screenshots under test-artifacts/gate-console-alert-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from anju_contracts import GateEventType, utcnow
from tests.browser.test_gate_console_screens import log_in, open_console, shot
from tests.support.gate_site import GateSite, gate_site
from tests.support.servers import wait_until

pytestmark = pytest.mark.browser

SIZES = [(1024, 768), (1366, 768)]

# Anything in the alert cards wider than its box (a form's input, a badge, a line)?
CHECK_CARDS = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("#alerts li.alert, #alerts li.alert *")) {
    if (el.tagName === "OPTION") continue;
    const card = el.closest("li.alert").getBoundingClientRect();
    const r = el.getBoundingClientRect();
    const out = r.right > card.right + 0.5 || r.left < card.left - 0.5;
    if (r.width && out) bad.push(el.outerHTML.slice(0, 80));
  }
  const panel = document.querySelector("section.alerts");
  if (panel.scrollWidth > panel.clientWidth) bad.push("the alert panel scrolls sideways");
  return bad;
}"""


@pytest.fixture
def site(tmp_path: Path, broker) -> Iterator[GateSite]:  # type: ignore[no-untyped-def]
    yield from gate_site(tmp_path, broker.port)


def gateway_alert(site: GateSite, admin: Any, alert_id: str) -> Any:
    def ready() -> Any:
        r = admin.get(f"/api/v1/alerts/{alert_id}")
        return r.json() if r.status_code == 200 else None

    return wait_until(ready, timeout=20, message="the alert at the gateway")


def history(admin: Any, alert_id: str) -> list[tuple[str, str]]:
    events = admin.get(f"/api/v1/alerts/{alert_id}/events").json()
    return [(e["action"], e["note"]) for e in events if e["action"] != "received"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_property_and_police_alerts_at_the_gate(site: GateSite, browser, size) -> None:  # type: ignore[no-untyped-def]
    site.gw.add_user("admin", "admin")
    admin = site.gw.login("admin")
    page = open_console(browser, site, size)
    log_in(page, site)
    page.wait_for_selector("#uplink-state.up")

    # --- a property alert: 签收 → 处理 → 关闭 with a reason ---
    site.north.emit(GateEventType.door_held_open, direction="in", held_seconds=180)
    held = "#alerts li.alert[data-handler=property]:has-text('门长时间未关')"
    page.wait_for_selector(held)
    assert page.text_content(f"{held} .handler") == "物业处置"
    assert page.text_content(f"{held} .state") == "待签收"
    clock = page.text_content(f"{held} .clock")
    assert re.fullmatch(r"签收剩余 (09|10):\d\d", clock or ""), clock
    aid = page.get_attribute(held, "data-id")
    assert aid
    shot(page, f"gate-console-alert-property-new-{size[0]}x{size[1]}")
    assert page.evaluate(CHECK_CARDS) == []

    page.click(f"{held} .ack-form button:has-text('签收')")
    page.wait_for_selector(f"{held}[data-state=acknowledged] .state >> text=已签收")
    assert (page.text_content(f"{held} .clock") or "").startswith("关闭剩余 23:")
    page.fill(f"{held} .ack-form input[name=note]", "已派保安到场")
    page.click(f"{held} .ack-form button:has-text('处理')")
    page.wait_for_selector(f"{held} .notes li:has-text('王经理：已派保安到场')")

    # No reason chosen: refused, in Chinese and in red; the alert stays open.
    page.fill(f"{held} .close-form input[name=note]", "门已关好")
    page.click(f"{held} .close-form button")
    page.wait_for_selector(f"{held} .msg.error:has-text('关闭原因：必填')")
    assert page.get_attribute(held, "data-state") == "acknowledged"
    page.select_option(f"{held} .close-form select[name=resolution]", "handled")
    page.fill(f"{held} .close-form input[name=note]", "门已关好")
    page.click(f"{held} .close-form button")
    page.wait_for_selector(f"{held}[data-state=closed] .state >> text=已关闭")
    assert "已关闭 · 王经理 · 已处理" in (page.text_content(f"{held} .closed") or "")
    assert page.locator(f"{held} form").count() == 0  # closed: nothing more to do here
    assert page.locator(f"{held} .clock").count() == 0
    assert "关闭 · 已处理：门已关好" in (page.text_content(f"{held} .notes") or "")

    wait_until(lambda: site.edge.console.store.queued_actions() == 0, message="delivered")
    page.wait_for_selector(f"{held} .notes li:has-text('门已关好')")
    wait_until(
        lambda: page.locator(f"{held} .pending").count() == 0,
        timeout=30,
        message="the 待上传 marks gone after delivery",
    )
    closed = gateway_alert(site, admin, aid)
    assert closed["handler"] == "property" and closed["state"] == "resolved"
    assert closed["extra"]["property_closed_at"]
    assert history(admin, aid)[-1] == ("property_close", "已处理：门已关好")

    # --- a police alert: read-only, 物业到场 only ---
    site.north.emit(GateEventType.door_forced, direction="in")
    forced = "#alerts li.alert[data-handler=police]:has-text('门被强行打开')"
    page.wait_for_selector(forced)
    assert page.text_content(f"{forced} .handler") == "民警处置"
    assert "民警处置，门岗只读" in (page.text_content(f"{forced} .a-state") or "")
    assert page.locator(f"{forced} .ack-form, {forced} .close-form").count() == 0
    assert page.locator(f"{forced} .clock").count() == 0
    forced_id = page.get_attribute(forced, "data-id")
    assert forced_id
    page.fill(f"{forced} .arrive-form input[name=note]", "保安已到北门")
    page.click(f"{forced} .arrive-form button:has-text('物业到场')")
    page.wait_for_selector(f"{forced} .notes li:has-text('王经理：物业到场：保安已到北门')")
    assert page.locator(f"{forced} .arrive-form").count() == 1  # may report again, never close
    assert page.evaluate(CHECK_CARDS) == []
    shot(page, f"gate-console-alert-handled-{size[0]}x{size[1]}")

    wait_until(lambda: site.edge.console.store.queued_actions() == 0, message="delivered")
    police = gateway_alert(site, admin, forced_id)
    assert police["handler"] == "police"
    assert (police["state"], police["extra"].get("owner")) == ("new", None)
    assert history(admin, forced_id) == [("property_note", "物业到场：保安已到北门")]

    # --- in English an open property card and the police card fit too ---
    site.garage.emit(GateEventType.door_held_open, direction="out", held_seconds=90)
    page.wait_for_selector("#alerts li.alert[data-state=new]:has-text('地库入口')")
    page.click("header .lang")
    page.wait_for_selector("#alerts .handler.h-police >> text=Police")
    assert page.text_content("#alerts li.alert[data-state=new] .close-form button") == "Close"
    assert page.evaluate(CHECK_CARDS) == []
    shot(page, f"gate-console-alert-english-{size[0]}x{size[1]}")
    page.click("header .lang")
    page.wait_for_selector("#alerts .handler.h-police >> text=民警处置")

    # --- 11 minutes later (the browser's clock ahead) the open card's clock is late, in red ---
    later = open_console(browser, site, size)
    later.clock.install(time=utcnow() + timedelta(minutes=11))
    log_in(later, site)
    late = "#alerts li.alert[data-state=new] .clock.late"
    later.wait_for_selector(late)
    assert re.fullmatch(r"签收超时 0[01]:\d\d", later.text_content(late) or "")
    later.context.close()

    # --- offline: the action waits, and the card says so ---
    site.gw.stop()
    page.wait_for_selector("#uplink-banner:not([hidden])", timeout=20_000)
    page.click(f"{forced} .arrive-form button")
    page.wait_for_selector(f"{forced} .a-state .pending >> text=待上传")
    shot(page, f"gate-console-alert-offline-{size[0]}x{size[1]}")
    page.context.close()
