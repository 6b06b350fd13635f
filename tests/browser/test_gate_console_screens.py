"""The gate console in Debian's Chromium at the guard-room PC's 1024x768 and at 1366x768: the
pass log after a remote opening, a visitor's car and a slow gate clock (no cell overflows or
wraps; cut text has its tooltip; no ids), the remote opening's answer and its absence, the
visitor flow with a walk-in, sign-out and history, Chinese errors in red, alert cards with names
and notes, and the uplink-down banner. Each screen is saved under test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from anju_contracts import AlertKind, GateEventType, Severity, SourceKind, utcnow
from anju_edge.alerts import AlertDraft
from tests.support.browser import ARTIFACTS
from tests.support.gate_site import GateSite, gate_site
from tests.support.servers import PASSWORD, wait_until

pytestmark = pytest.mark.browser

SIZES = [(1024, 768), (1366, 768)]

# Every cell of a table: does its text overflow the cell, or run over more than one line? Cut
# text (…) must carry the whole text as its tooltip.
CHECK_CELLS = """(sel) => {
  const bad = [];
  for (const cell of document.querySelectorAll(sel)) {
    const text = cell.textContent;
    const range = document.createRange(); range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    if (cell.scrollWidth > cell.clientWidth) bad.push(`overflows: ${text}`);
    if (tops.size > 1) bad.push(`wraps: ${text}`);
    if (text.endsWith("…") && !(cell.title || "").startsWith(text.slice(0, -1)))
      bad.push(`cut without tooltip: ${text}`);
  }
  return bad;
}"""


@pytest.fixture
def site(tmp_path: Path, broker) -> Iterator[GateSite]:  # type: ignore[no-untyped-def]
    yield from gate_site(tmp_path, broker.port)


def open_console(browser: Any, site: GateSite, size: tuple[int, int], **context: Any) -> Any:
    ctx = browser.new_context(
        viewport={"width": size[0], "height": size[1]},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **context,
    )
    page = ctx.new_page()
    return page


def log_in(page: Any, site: GateSite) -> None:
    page.goto(site.url + "/")
    page.fill("input[name=username]", "pm")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    page.wait_for_selector("#live.on")


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def cells_fit(page: Any, selector: str) -> None:
    assert page.evaluate(CHECK_CELLS, selector) == []


def full_texts(page: Any, row_selector: str) -> list[str]:
    """The cells' whole texts (a cut cell's tooltip)."""
    return page.eval_on_selector_all(
        row_selector + " td", "cs => cs.map(c => c.dataset.full ?? c.textContent)"
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pass_log_layout(site: GateSite, browser, size) -> None:  # type: ignore[no-untyped-def]
    page = open_console(browser, site, size)
    log_in(page, site)
    assert page.is_visible("#events-empty")  # 暂无记录 before anything happened
    site.north.emit(
        GateEventType.card_swipe, direction="in", result="granted", credential="C-10046"
    )
    site.garage.emit(GateEventType.intercom_call, direction="in")
    site.garage.emit(GateEventType.plate_read, direction="in", result="granted", plate="沪FDT4757")
    site.north.emit(GateEventType.exit_button, direction="out", result="granted")
    site.north.emit(GateEventType.door_held_open, held_seconds=45)
    page.wait_for_selector("#events tr[data-type=door_held_open]")

    # A slow gate clock: the garage gate's rows sit at the box's time, in order with the
    # north gate's, and the tooltip tells the gate's own time.
    site.garage.emit(
        GateEventType.face_access, direction="out", result="granted", credential="F-8812"
    )
    page.wait_for_selector("#events tr[data-type=face_access]")
    site.north.emit(
        GateEventType.card_swipe, direction="out", result="denied", credential="C-20077"
    )
    page.wait_for_selector("#events tr[data-type=card_swipe] >> text=拒绝")
    types = page.eval_on_selector_all("#events tr", "rs => rs.map(r => r.dataset.type)")
    assert types.index("card_swipe") < types.index("face_access") < types.index("door_held_open")
    title = page.get_attribute("#events tr[data-type=face_access] td:first-child", "title")
    assert "慢 95 秒" in title or "慢 96 秒" in title
    shown = page.text_content("#events tr[data-type=face_access] td:first-child")
    assert shown[:5] == page.text_content("#events tr:first-child td:first-child")[:5]  # HH:MM

    # A remote opening the gate answers: one row, 远程开门 · operator · reason; 已开门.
    reason = "业主忘带门禁卡，快递员在门口等候签收大件包裹"
    page.select_option("#open-gate", "north-gate")
    page.fill("#open-form input[name=reason]", reason)
    page.click("#open-form button")
    page.wait_for_selector("#open-msg.ok >> text=北门 已开门")
    row = "#events tr[data-type=remote_open][data-result=granted]"
    page.wait_for_selector(row)
    assert full_texts(page, row)[1:] == ["北门", "远程开门", "", "已开门", f"王经理 · {reason}"]
    command_id = site.north.commands[-1].command_id
    assert command_id not in page.content()

    # A visitor's car: one 访客放行 row, not a red 拒绝 and an unexplained opening.
    page.fill("#visitor-form input[name=name]", "张三")
    page.fill("#visitor-form input[name=phone]", "13912345678")
    page.fill("#visitor-form input[name=host_unit]", "3-2-501")
    page.fill("#visitor-form input[name=plate]", "沪A12345")
    page.click("#visitor-form button.primary")
    page.wait_for_selector("#visitors li:has-text('张三')")
    site.north.emit(GateEventType.plate_read, direction="in", result="denied", plate="沪A12345")
    visitor = "#events tr[data-type=visitor_pass][data-result=granted]"
    page.wait_for_selector(visitor)
    assert full_texts(page, visitor)[1:] == [
        "北门",
        "访客放行",
        "进",
        "放行",
        "张三 · 到访 3-2-501 · 沪A12345",
    ]
    assert page.locator("#events tr[data-type=plate_read]:has-text('沪A12345')").count() == 0
    assert page.locator("#events tr[data-type=remote_open]").count() == 1

    cells_fit(page, "#log-table th, #log-table td")
    shot(page, f"gate-console-log-{size[0]}x{size[1]}")

    # The same log in English fits too.
    page.click("header .lang")
    page.wait_for_selector("#events tr[data-type=visitor_pass] >> text=Visitor")
    cells_fit(page, "#log-table th, #log-table td")
    shot(page, f"gate-console-log-en-{size[0]}x{size[1]}")
    page.context.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_remote_open_without_answer(site: GateSite, browser, size) -> None:  # type: ignore[no-untyped-def]
    page = open_console(browser, site, size)
    log_in(page, site)
    page.select_option("#open-gate", "east-gate")  # no controller answers at 东门
    page.fill("#open-form input[name=reason]", "访客按铃")
    page.click("#open-form button")
    page.wait_for_selector("#open-msg.wait")
    page.wait_for_selector("#events tr[data-type=remote_open][data-result=pending] >> text=待开门")
    page.wait_for_selector("#open-msg.error >> text=东门 未响应", timeout=15_000)
    row = "#events tr[data-type=remote_open][data-result=no_answer]"
    page.wait_for_selector(row)
    assert full_texts(page, row)[4:] == ["未响应", "王经理 · 访客按铃"]
    cells_fit(page, "#log-table th, #log-table td")
    shot(page, f"gate-console-no-answer-{size[0]}x{size[1]}")
    page.context.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_visitors_walk_in_sign_out_and_errors(site: GateSite, browser, size) -> None:  # type: ignore[no-untyped-def]
    page = open_console(browser, site, size)
    log_in(page, site)
    assert page.is_visible("#visitors-empty")
    form = "#visitor-form"
    # A refused form: the reason in Chinese, in red.
    page.fill(f"{form} input[name=name]", "李四")
    page.fill(f"{form} input[name=phone]", "123")
    page.fill(f"{form} input[name=host_unit]", "5-101")
    page.click(f"{form} button.primary")
    page.wait_for_selector("#visitor-msg.error >> text=手机号：太短（至少 7 个字）")
    assert page.eval_on_selector("#visitor-msg", "e => getComputedStyle(e).color") == (
        "rgb(198, 40, 40)"
    )
    page.fill(f"{form} input[name=phone]", "13700001111")
    page.fill(f"{form} input[name=plate]", "abc")
    page.click(f"{form} button.primary")
    page.wait_for_selector("#visitor-msg.error >> text=车牌号无效")
    page.fill(f"{form} input[name=plate]", "")
    page.fill(f"{form} input[name=id_number]", "110101199003071234")
    page.click(f"{form} button.primary")
    page.wait_for_selector("#visitor-msg.error >> text=身份证号无效")

    # A walk-in with a reason and an ID number: only its last four shown.
    page.fill(f"{form} input[name=id_number]", "11010519491231002X")
    page.fill(f"{form} input[name=reason]", "维修水管")
    page.click(f"{form} button.primary")
    page.wait_for_selector("#visitor-msg.ok")
    assert "有效至" in page.text_content("#visitor-msg")
    item = "#visitors li:has-text('李四')"
    page.wait_for_selector(item)
    text = page.text_content(item)
    assert "步行" in text and "维修水管" in text and "****002X" in text and "137****1111" in text
    assert "11010519491231002X" not in page.content()
    shot(page, f"gate-console-visitors-{size[0]}x{size[1]}")

    # 签离: gone from those on site, in the history as 已签离.
    page.click(f"{item} button.sign-out")
    page.wait_for_selector(item, state="detached")
    page.wait_for_selector("#visitors-empty")
    page.click("#history-open")
    page.wait_for_selector("#history-rows tr[data-state=signed_out]:has-text('李四')")
    cells_fit(page, "#history th, #history td")
    shot(page, f"gate-console-visitor-history-{size[0]}x{size[1]}")
    page.context.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_alert_cards_notes_and_uplink_down(site: GateSite, browser, size) -> None:  # type: ignore[no-untyped-def]
    page = open_console(browser, site, size)
    log_in(page, site)
    assert page.is_visible("#alerts-empty")
    page.wait_for_selector("#uplink-state.up")
    site.north.emit(GateEventType.door_forced, direction="in")
    site.edge.sink.raise_alert(
        AlertDraft(
            kind=AlertKind.intrusion,
            severity=Severity.high,
            source_kind=SourceKind.camera,
            source_id="cam-east",
            zone="perimeter-east",
        )
    )
    card = "#alerts li.alert:has-text('周界入侵')"
    page.wait_for_selector(card)
    assert "东侧围墙摄像机 · 东侧围墙" in page.text_content(card)
    assert "perimeter-east" not in page.text_content("#alerts")
    forced = "#alerts li.alert:has-text('门被强行打开')"
    page.wait_for_selector(forced)
    assert "北门" in page.text_content(forced) and "north-gate" not in page.text_content(forced)
    assert page.text_content(f"{forced} .sev") in ("紧急", "高", "一般", "低")

    # A property alert: 签收 with a note, then 处理 (a note): both kept and shown, with names.
    site.north.emit(GateEventType.door_held_open, direction="in", held_seconds=120)
    held = "#alerts li.alert:has-text('门长时间未关')"
    page.wait_for_selector(f"{held} .state >> text=待签收")
    page.fill(f"{held} .ack-form input[name=note]", "保安已到场")
    page.click(f"{held} .ack-form button")
    page.wait_for_selector(f"{held} .ack >> text=已签收")
    page.fill(f"{held} .ack-form input[name=note]", "门锁已修好")
    page.click(f"{held} .ack-form button:has-text('处理')")
    page.wait_for_selector(f"{held} .notes li:has-text('门锁已修好')")
    assert page.locator(f"{held} .notes li").count() == 2
    assert "王经理：签收 · 保安已到场" in page.text_content(f"{held} .notes")  # names, not logins
    # The forced door is the police's: read-only, no 签收 and no close.
    assert page.locator(f"{forced} .ack-form, {forced} .close-form").count() == 0
    assert page.text_content(f"{forced} .handler") == "民警处置"

    # The uplink goes down: the console says so, what still works, and what is queued.
    wait_until(
        lambda: site.edge.console.store.queued_actions() == 0, message="both notes delivered"
    )
    site.gw.stop()
    page.wait_for_selector("#uplink-banner:not([hidden])", timeout=20_000)
    page.fill(f"{held} .ack-form input[name=note]", "已通知业主")
    page.click(f"{held} .ack-form button")
    page.wait_for_selector(f"{held} .notes li:has-text('已通知业主') .pending")
    assert "待上传" in page.text_content(f"{held} .a-state")
    banner = wait_until(
        lambda: (text := page.text_content("#uplink-banner")) and "告警处置 1 条" in text and text,
        timeout=15,
        message="the queued note in the banner",
    )
    assert "连接已断开" in banner and "远程开门" in banner and "不会丢失" in banner
    assert page.text_content("#uplink-state") == "平台连接中断"
    shot(page, f"gate-console-alerts-offline-{size[0]}x{size[1]}")
    page.context.close()


def test_dates_when_not_today(site: GateSite, browser) -> None:  # type: ignore[no-untyped-def]
    """Seen from the next day (the browser's clock 30 h ahead), rows and cards carry dates."""
    site.north.emit(GateEventType.card_swipe, direction="in", result="granted", credential="C-1")
    site.north.emit(GateEventType.door_forced, direction="in")
    wait_until(lambda: site.edge.console.store.recent_alerts(), timeout=10, message="the alert")
    page = open_console(browser, site, (1024, 768))
    page.clock.install(time=utcnow() + timedelta(hours=30))
    log_in(page, site)
    page.wait_for_selector("#alerts li.alert")
    assert page.is_visible("#events-empty")  # the last 24 h of tomorrow: nothing
    page.select_option("#log-filter select[name=range]", "7d")
    page.wait_for_selector("#events tr[data-type=card_swipe]")
    day = (utcnow() + timedelta(hours=8)).strftime("%m-%d")  # Asia/Shanghai
    assert page.text_content("#events tr td:first-child").startswith(day)
    assert page.text_content("#alerts li.alert time").startswith(day)
    cells_fit(page, "#log-table th, #log-table td")
    shot(page, "gate-console-dates-1024x768")
    page.context.close()
