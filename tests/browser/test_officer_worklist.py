"""The list a duty officer works from, in real headless Chromium: names not ids, urgency order,
header counters and tab title, a critical alert impossible to miss, the sound toggle, the
lockout message and ?next= after login; laid out at 1440x900, 1366x768 and 1024x768."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from ulid import ULID

from anju_contracts import DeviceHealth, Heartbeat, format_ts
from anju_gateway.clock import ManualClock
from anju_gateway.edges.enrolment import enrol
from anju_gateway.edges.supervision import check_edges
from tests.support.browser import ARTIFACTS
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser

LAST_SEEN = datetime(2026, 12, 2, 23, 0, 5, tzinfo=UTC)  # 12/03 07:00:05 in Shanghai
SIZES = [(1440, 900), (1366, 768), (1024, 768)]
# Every element of the list, header, detail and board whose content is wider than its box.
OVERFLOWING = """() => [...document.querySelectorAll(
    '.top *, li.alert *, .legend, #detail dd, #detail h2, #edges td, thead th, #toast')]
  .filter((el) => el.offsetParent !== null && el.clientWidth > 0
                  && el.scrollWidth > el.clientWidth + 1)
  .map((el) => el.className || el.id || el.tagName)"""

ONE_LINE_HEADER = """() => [...document.querySelectorAll(
    '.top .brand, .top nav a, .count, .who > *')]
  .filter((el) => el.offsetParent !== null
                  && (el.getBoundingClientRect().height > 36
                      || el.getBoundingClientRect().right > window.innerWidth))
  .map((el) => el.textContent)"""

# Board headers, state pills, box names and times on one line (their height: one line).
WRAPPED_BOARD = """() => [...document.querySelectorAll(
    'thead th, #edges .state, #edges td.compound, #edges td.box, #edges td.when')]
  .filter((el) => el.offsetParent !== null && el.getRangeClientRects === undefined
                  && [...el.getClientRects()].length > 0
                  && (() => { const r = document.createRange(); r.selectNodeContents(el);
                              const tops = new Set([...r.getClientRects()]
                                .map((q) => Math.round(q.top)));
                              return tops.size > (el.matches('td.box') ? 2 : 1); })())
  .map((el) => el.textContent.trim())"""


def at_every_size(page, screen: str) -> None:  # type: ignore[no-untyped-def]
    """At 1440x900, 1366x768 and 1024x768: no cell wider than its box; a screenshot of each,
    ``<screen>_<W>x<H>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        assert page.evaluate(OVERFLOWING) == [], f"overflow at {width}x{height}"
        page.screenshot(path=str(ARTIFACTS / f"{screen}_{width}x{height}.png"))


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    clock = ManualClock(datetime.now(UTC))
    server = GatewayServer(tmp_path / "gw", clock=clock).start()
    server.add_compound("c1", "p1")
    server.add_user("zhang.wei", "officer", precinct_id="p1")
    server.clock = clock  # type: ignore[attr-defined]
    yield server
    server.stop()


def named_box(gw: GatewayServer) -> httpx.Client:
    """An enrolled box (hostname "vm", as real boxes often are) that sent a named heartbeat."""
    token = enrol(gw.db, code=gw.enrol_code("c1"), hostname="vm", now=datetime.now(UTC)).token
    box = httpx.Client(
        base_url=gw.url,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    beat = Heartbeat(
        compound_id="c1",
        compound_name="安居示范小区",
        ts=datetime.now(UTC),
        uptime_s=60,
        software_version="0.2.0",
        queue_depth=0,
        devices=[
            DeviceHealth(
                kind="gate", id="north-gate", state="online", name="北门", last_seen=LAST_SEEN
            ),
            DeviceHealth(
                kind="camera",
                id="perimeter-east",
                state="offline",
                name="东侧围墙",
                zones={"east-fence": "东墙内侧"},
            ),
        ],
    )
    assert box.post("/api/v1/edge/heartbeat", content=beat.model_dump_json()).status_code == 204
    return box


def post_alert(box: httpx.Client, severity: str, kind: str = "intrusion", count: int = 1) -> str:
    """Posts ``count`` alerts in one batch; returns the last one's id."""
    alerts = [new_alert(severity, kind) for _ in range(count)]
    for start in range(0, count, 100):  # at most 100 a batch, as a box sends them
        resp = box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": alerts[start : start + 100]})
        assert resp.status_code == 200, resp.text
    return str(alerts[-1]["id"])


def new_alert(severity: str, kind: str) -> dict[str, object]:
    camera = kind == "intrusion"
    return {
        "id": str(ULID()),
        "compound_id": "c1",
        "source_kind": "camera" if camera else "gate",
        "source_id": "perimeter-east" if camera else "north-gate",
        "kind": kind,
        "severity": severity,
        "ts": format_ts(datetime.now(UTC)),
        "zone": "east-fence" if camera else None,
        "objects": [],
        "details": {},
    }


def received(gw: GatewayServer, ago: timedelta, box: httpx.Client, severity: str) -> str:
    """An alert the gateway received ``ago`` before now (its clocks started then)."""
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    clock.set(datetime.now(UTC) - ago)
    try:
        return post_alert(box, severity)
    finally:
        clock.set(datetime.now(UTC))


def log_in(page, gw: GatewayServer, path: str = "/") -> None:  # type: ignore[no-untyped-def]
    page.goto(gw.url + path)
    page.fill("input[name=username]", "zhang.wei")
    page.fill("input[name=password]", "test-password-1")
    page.click("#login-form button[type=submit]")


def test_urgency_order_counters_title_and_names(gw: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    box = named_box(gw)
    # Posted oldest-first, so neither id nor arrival order is the urgency order.
    breached = received(gw, timedelta(minutes=10), box, "normal")  # 5 min clock, 5 min late
    near = received(gw, timedelta(seconds=250), box, "normal")  # 50 s of 300 left: under 20 %
    fresh = received(gw, timedelta(0), box, "high")  # 3 min clock, all of it left
    log_in(page, gw)
    page.wait_for_selector("#live-dot.on")
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 3")

    order = page.eval_on_selector_all("li.alert", "ls => ls.map(l => l.dataset.id)")
    assert order == [breached, near, fresh]
    levels = page.eval_on_selector_all("li.alert", "ls => ls.map(l => l.dataset.urgency)")
    assert levels == ["breached", "near", "ok"]
    assert page.inner_text("#count-pending") == "3"
    assert page.inner_text("#count-near") == "1"
    assert page.inner_text("#count-breached") == "1"
    assert page.title() == "(3) 民警工作台"
    first = page.locator("li.alert").first.inner_text()
    assert "已超时" in first
    assert "排序" in page.inner_text(".legend")
    # The countdown is large and coloured: red once breached, amber when near.
    sla = page.locator("li.alert .sla")
    colours = [sla.nth(i).evaluate("e => getComputedStyle(e).color") for i in range(3)]
    assert colours[0] == "rgb(198, 40, 40)" and colours[1] == "rgb(184, 110, 0)"
    assert float(sla.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 20

    # Names, not ids: list, detail.
    row = page.locator(f"li.alert[data-id='{fresh}']").inner_text()
    assert "安居示范小区 · 东侧围墙 · 东墙内侧" in row
    for raw in ("perimeter-east", "east-fence", "c1", "vm"):
        assert raw not in page.inner_text("#alerts")
    page.locator(f"li.alert[data-id='{fresh}']").click()
    page.wait_for_selector("#detail h2:has-text('周界入侵')")
    assert page.inner_text("#detail-compound") == "安居示范小区"
    assert page.inner_text("#detail-source") == "摄像机 东侧围墙"
    assert page.inner_text("#detail-zone") == "东墙内侧"
    history = page.inner_text("ol.history")
    assert "接警" in history and "东侧围墙" in history and "perimeter-east" not in history

    # Acknowledging the fresh one: one fewer pending, the title follows.
    page.click("#act button[data-action=acknowledge]")
    page.wait_for_selector("#detail-state:has-text('已签收')")
    page.wait_for_function("() => document.title === '(2) 民警工作台'")
    assert page.inner_text("#count-pending") == "2"

    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        assert page.evaluate(OVERFLOWING) == [], f"overflow at {width}x{height}"
        assert page.evaluate(ONE_LINE_HEADER) == [], f"header wraps at {width}x{height}"
        page.screenshot(path=str(ARTIFACTS / f"officer_worklist_{width}x{height}.png"))

    # The English switch keeps the header on one line even at 1024x768.
    page.click("button.lang-switch >> nth=-1")
    page.wait_for_selector("#count-pending:left-of(#who)")
    assert page.title() == "(2) Officers' console"
    assert page.evaluate(OVERFLOWING) == [], "overflow in English at 1024x768"
    # Nothing in the header wraps onto a second line or runs past the edge.
    assert page.evaluate(ONE_LINE_HEADER) == []
    page.screenshot(path=str(ARTIFACTS / "officer_worklist_en_1024x768.png"))
    page.click("button.lang-switch >> nth=-1")

    # The device board: the box by compound and number, its devices by name, never "vm".
    page.click("a.tab[data-tab=board]")
    board = page.locator("#edges tr", has_text="边缘盒 1")
    board.wait_for()
    assert board.locator("td.compound").inner_text() == "安居示范小区"
    text = board.inner_text()
    assert "门禁 北门 · 在线 · 12/03 07:00:05" in text and "摄像机 东侧围墙 · 离线" in text
    assert "vm" not in text and "north-gate" not in text
    assert "设备 2 · 离线设备 1" in page.inner_text("#board-summary")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        assert page.evaluate(OVERFLOWING) == [], f"board overflow at {width}x{height}"
        assert page.evaluate(WRAPPED_BOARD) == [], f"board cells wrap at {width}x{height}"
        page.screenshot(path=str(ARTIFACTS / f"officer_board_{width}x{height}.png"))

    # The box falls silent: its devices' states are as of its last beat, and say so.
    check_edges(gw.db, gw.app.state.hub, gw.settings, datetime.now(UTC) + timedelta(minutes=5))
    page.wait_for_selector("#edges tr.down .dev.stale")
    assert "门禁 北门 · 在线 · 状态未更新" in board.inner_text()
    page.screenshot(path=str(ARTIFACTS / "officer_board_box_offline.png"))


def test_an_old_breached_alert_heads_the_list_past_200_newer(gw: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    box = named_box(gw)
    breached = received(gw, timedelta(minutes=10), box, "normal")
    post_alert(box, "low", count=200)  # 200 newer ones
    log_in(page, gw)
    page.wait_for_function("() => document.querySelectorAll('li.alert').length === 201")
    assert page.locator("li.alert").first.get_attribute("data-id") == breached
    assert page.inner_text("#count-breached") == "1"
    assert page.inner_text("#count-pending") == "201"
    assert page.title() == "(201) 民警工作台"


def test_a_critical_alert_is_impossible_to_miss(gw: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    box = named_box(gw)
    opened = post_alert(box, "normal")
    log_in(page, gw)
    page.wait_for_selector("#live-dot.on")
    assert page.inner_text("#sound") == "提示音：关"  # off by default
    page.click("#sound")
    assert page.inner_text("#sound") == "提示音：开"
    assert page.evaluate("localStorage.getItem('anju.sound')") == "on"
    page.locator(f"li.alert[data-id='{opened}']").click()  # the officer looks at another alert
    page.wait_for_selector("#detail h2:has-text('周界入侵')")

    critical = post_alert(box, "critical", kind="door_forced")
    row = page.locator(f"li.alert[data-id='{critical}']")
    row.wait_for(timeout=10_000)
    assert "alarm" in (row.get_attribute("class") or "")
    toast = page.locator("#toast.critical")
    toast.wait_for()
    assert "新警情：紧急 门被强行打开 · 安居示范小区 · 北门" in toast.inner_text()
    assert page.title() == "(2) 民警工作台"
    page.wait_for_timeout(6500)  # a plain notice would be gone by now; this one stays
    assert toast.is_visible()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        assert page.evaluate(OVERFLOWING) == [], f"overflow at {width}x{height}"
        page.screenshot(path=str(ARTIFACTS / f"officer_critical_{width}x{height}.png"))
    toast.click()  # opens the critical alert
    page.wait_for_selector("#detail h2:has-text('门被强行打开')")
    assert page.inner_text("#detail-source") == "门禁 北门"
    assert "alarm" not in (row.get_attribute("class") or "")

    page.reload()  # the sound choice is remembered by this browser
    page.wait_for_selector("#app:not([hidden])")
    assert page.inner_text("#sound") == "提示音：开"


def test_lockout_message_and_next_after_login(gw: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(gw.url + "/reports/daily")  # not logged in: sent to the login with ?next=
    page.wait_for_selector("#login:not([hidden])")
    assert "next=/reports/daily" in page.url
    page.fill("input[name=username]", "zhang.wei")
    for _ in range(gw.settings.login_max_failures):
        page.fill("input[name=password]", "wrong-password")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#login-error:has-text('用户名或密码错误')")
        page.evaluate("document.querySelector('#login-error').textContent = ''")
    page.fill("input[name=password]", "test-password-1")  # right, but throttled now
    page.click("#login-form button[type=submit]")
    minutes = -(-int(gw.settings.login_window_seconds) // 60)
    page.wait_for_selector(f"#login-error:has-text('尝试次数过多，请 {minutes} 分钟后再试')")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        box = page.locator("#login-form").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["y"] >= 0 and box["y"] + box["height"] <= height
        page.screenshot(path=str(ARTIFACTS / f"officer_login_throttled_{width}x{height}.png"))

    # Another officer on a fresh PC: logs in and lands where the link was going.
    gw.add_user("li.na", "officer", precinct_id="p1")
    page.context.clear_cookies()
    page.goto(gw.url + "/?next=/reports/daily")
    page.fill("input[name=username]", "li.na")
    page.fill("input[name=password]", "test-password-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/reports/daily*")
    # A ?next= to another site is ignored: the console opens instead.
    page.context.clear_cookies()
    page.goto(gw.url + "/?next=//evil.example/")
    page.fill("input[name=username]", "li.na")
    page.fill("input[name=password]", "test-password-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    assert page.url.startswith(gw.url)
