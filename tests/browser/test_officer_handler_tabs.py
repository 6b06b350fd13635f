"""分类处置 tabs over the officers' list: 全部 (the default), 公安处置 (police- and both-routed
alerts) and 物业处置 (property-routed, read-only), each with its count of open alerts; the
other filters narrow the counts too; the detail follows the tab."""

from __future__ import annotations

import pytest

from tests.browser.test_officer_worklist import (  # noqa: F401  (gw is a fixture)
    at_every_size,
    gw,
    log_in,
    named_box,
    post_alert,
)
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser

TAB_COUNTS = """() => Object.fromEntries([...document.querySelectorAll('#handler-tabs button')]
  .map((b) => [b.dataset.handler, b.innerText.replace(/\\s+/g, ' ').trim()]))"""
ROWS = "() => [...document.querySelectorAll('li.alert')].map((l) => l.dataset.id)"


def test_police_and_property_alerts_in_their_own_tabs(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    box = named_box(gw)
    held = post_alert(box, "normal", kind="door_held_open")  # the property's
    offline = post_alert(box, "normal", kind="device_offline")  # the property's
    intrusion = post_alert(box, "high", kind="intrusion")  # the police's
    forced = post_alert(box, "critical", kind="door_forced")  # the police's
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, gw)
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 4")
    assert page.evaluate(TAB_COUNTS) == {
        "all": "全部 4",
        "police": "公安处置 2",
        "property": "物业处置 2",
    }
    assert page.get_attribute("#handler-tabs [data-handler=all]", "aria-selected") == "true"

    page.locator(f"li.alert[data-id='{held}']").click()
    page.wait_for_selector("#detail h2:has-text('门长时间未关')")
    page.click("#handler-tabs [data-handler=police]")
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 2")
    assert sorted(page.evaluate(ROWS)) == sorted([intrusion, forced])
    # The detail follows the tab: the property's alert is not left open beside the police list.
    assert not page.evaluate("() => document.querySelector('#detail').dataset.id")
    # The header counters stay the police clocks' (the property's alerts have none).
    assert page.inner_text("#count-pending") == "2"

    page.click("#handler-tabs [data-handler=property]")
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 2")
    assert sorted(page.evaluate(ROWS)) == sorted([held, offline])
    assert page.locator("li.alert input.pick").count() == 0  # read-only: no bulk ticks
    page.locator(f"li.alert[data-id='{offline}']").click()
    page.wait_for_selector("#detail h2:has-text('设备离线')")
    assert "物业处置" in page.inner_text("#detail")
    assert page.locator("#act button[data-action=acknowledge]").count() == 0
    at_every_size(page, "officer_property_tab")

    # Another filter narrows the counts; a closed alert is not counted as open.
    page.select_option("#filters select[name=kind]", "door_held_open")
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 1")
    assert page.evaluate(TAB_COUNTS) == {
        "all": "全部 1",
        "police": "公安处置 0",
        "property": "物业处置 1",
    }
    page.select_option("#filters select[name=kind]", "")
    officer = gw.login("zhang.wei")
    assert officer.post(f"/api/v1/alerts/{intrusion}/acknowledge", json={}).status_code == 200
    resolved = officer.post(
        f"/api/v1/alerts/{intrusion}/resolve", json={"resolution": "handled", "note": "已处置"}
    )
    assert resolved.status_code == 200, resolved.text
    page.wait_for_function(
        "() => document.querySelector('#handler-tabs [data-handler=police] b').textContent === '1'"
    )

    # English: the tabs say so too.
    page.click("button.lang-switch >> nth=-1")
    page.wait_for_function(
        "() => document.querySelector('#handler-tabs [data-handler=police] span').textContent"
        " === 'Police'"
    )
    assert page.evaluate(TAB_COUNTS)["property"] == "Property 2"


def test_tabs_have_addresses_and_the_report_pages_link_them(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    named_box(gw)
    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page, gw, "/#board")
    page.wait_for_selector("#board-tab:not([hidden])")
    assert page.get_attribute("a.tab[data-tab=board]", "class").split() == ["tab", "active"]
    page.click("a.tab[data-tab=feed]")
    page.wait_for_selector("#feed-tab:not([hidden])")
    assert page.evaluate("() => location.hash") == ""
    page.click("a.tab[data-tab=watch]")
    assert page.evaluate("() => location.hash") == "#watch"
    page.reload()
    page.wait_for_selector("a.tab[data-tab=watch].active")

    # The report pages carry the console's whole nav; 设备 there opens the board.
    page.goto(gw.url + "/reports/daily")
    nav = page.inner_text("header.top nav")
    assert nav.split() == ["警情", "设备", "日报", "分析", "布控"]  # an officer: no 管理
    page.click("header.top nav a[href='/#board']")
    page.wait_for_selector("#board-tab:not([hidden])")
