"""The 视图库对接 (GA/T 1400) admin page in real headless Chromium against the test's real upper
system (tests/support/viid_server.py): configured through the page, a wrong password shows
密码错误, the right one 已注册 with its keepalive and clock offset, an uploaded alert is
counted, a refused one is listed with the upper system's words; the password never comes back
in the page or the API; laid out at 1024x768, 1366x768 and 1440x900 and once in English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anju_gateway.store.compounds import upsert_precinct
from tests.browser.test_admin_pages import log_in, no_policy_violation, open_admin, shoot
from tests.gateway.precinct.test_viid import SYSTEM
from tests.gateway.precinct.test_viid_api import post_alert
from tests.support.browser import ARTIFACTS
from tests.support.servers import GatewayServer
from tests.support.viid_server import ViidServer

pytestmark = pytest.mark.browser
__all__ = ["no_policy_violation"]  # the admin pages' CSP check applies here too

WRONG = "wrong-密码-123"


class RefuseAll(dict[str, str]):
    """The upper system refuses every object with these words (object ids are ours to make)."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words

    def get(self, key: str, default: Any = None) -> Any:
        return self.words


@pytest.fixture
def upper() -> Iterator[ViidServer]:
    server = ViidServer()
    server.clock_offset_s = 2.3
    yield server
    server.stop()


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw", viid_poll_s=0.05, viid_max_attempts=2,
                           viid_backoff_initial_s=0.05, viid_backoff_max_s=0.2).start()  # fmt: skip
    server.add_compound("c1", "p1", name="安居小区")
    server.add_compound("c2", "p2", name="庐山小区")
    with server.db.write() as conn:
        upsert_precinct(conn, precinct_id="p2", name="庐山派出所")
        upsert_precinct(conn, precinct_id="p1", name="浔阳派出所")
    server.add_user("root", "admin")
    with server.db.write() as conn:
        conn.execute("UPDATE users SET display_name = '赵所长' WHERE username = 'root'")
    yield server
    server.stop()


def fact(page, key: str) -> str:  # type: ignore[no-untyped-def]
    return str(page.inner_text(f"#vi-status [data-k={key}] dd"))


def fill(page, upper: ViidServer, password: str) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("#vi-form")
    form.locator("input[name=url]").fill(upper.url)
    form.locator("input[name=system_id]").fill(SYSTEM)
    form.locator("input[name=username]").fill(upper.username)
    form.locator("input[name=password]").fill(password)
    form.locator("input[name=keepalive_s]").fill("30")


def test_link_set_through_the_page_registers_and_counts(  # type: ignore[no-untyped-def]
    gw: GatewayServer, upper: ViidServer, page
) -> None:
    seen: list[Any] = []
    page.on("response", lambda r: seen.append(r) if "/viid" in r.url else None)
    log_in(page, gw, "root")
    open_admin(page, "viid")
    page.select_option("#vi-form select[name=precinct]", label="浔阳派出所")
    # Another precinct reloads the form: typing into the one it replaces would be lost.
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#vi-status >> text=该派出所尚未设置视图库对接")
    # The default is what the API does with no kinds: the police-routed alerts.
    assert page.is_checked("input[name=which][value=police]")
    assert page.locator("input[name=kind]:disabled").count() >= 15
    # A short system id is refused in the page, in Chinese, and nothing is stored.
    fill(page, upper, WRONG)
    page.fill("#vi-form input[name=system_id]", "3604020000200")
    page.click("#vi-form button[type=submit]")
    assert page.inner_text("#vi-error") == "本系统编号须为 20 位数字"
    assert gw.login("root").get("/api/v1/precincts/p1/viid").status_code == 404
    # A wrong password: the upper system refuses it and the page says so in words.
    fill(page, upper, WRONG)
    page.click("#vi-form button[type=submit]")
    page.wait_for_selector("#vi-ok:has-text('已保存')")
    page.wait_for_selector("#vi-state:has-text('密码错误')", timeout=15000)
    assert "用户名或密码" in page.inner_text("#vi-status")
    assert fact(page, "vi_last_keepalive") == "尚无"
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=str(ARTIFACTS / "admin_viid_wrong_password-1024x768.png"))
    # The right password: 已注册, with the keepalive time and the upper system's clock offset.
    fill(page, upper, upper.password)
    page.click("#vi-form button[type=submit]")
    page.wait_for_selector("#vi-state:has-text('已注册')", timeout=15000)
    assert re.fullmatch(r"\d\d/\d\d \d\d:\d\d:\d\d", fact(page, "vi_last_keepalive").strip())
    offset = re.fullmatch(r"\+(\d+\.\d) 秒", fact(page, "vi_offset"))
    assert offset and 0.5 <= float(offset.group(1)) <= 4.5, fact(page, "vi_offset")
    # An alert reaches the upper system and the page counts it by itself (it refreshes).
    post_alert(gw)
    page.wait_for_function(
        "() => document.querySelector('#vi-status [data-k=vi_sent] dd')?.textContent === '1'",
        timeout=15000,
    )
    assert len(upper.received["/VIID/Persons"]) == 1
    # One the upper system refuses is dead after its attempts, listed with its words.
    upper.fail_ids = RefuseAll("人员库拒收")
    post_alert(gw)
    page.wait_for_selector("#vi-dead tr", timeout=15000)
    row = page.locator("#vi-dead tr").first.locator("td").all_inner_texts()
    assert row[1:3] == ["人员", "2"] and "人员库拒收" in row[3], row
    assert fact(page, "vi_dead") == "1" and fact(page, "vi_sent") == "1"
    # Saving again with the password left empty keeps the stored one: still registered.
    assert (
        page.get_attribute("#vi-form input[name=password]", "placeholder") == "已保存；留空则不修改"
    )
    page.fill("#vi-form input[name=keepalive_s]", "20")
    page.check("#vi-form input[name=which][value=pick]")
    page.check("#vi-form label:has-text('周界入侵') input")
    page.check("#vi-form label:has-text('布控命中') input")
    page.click("#vi-form button[type=submit]")
    page.wait_for_selector("#vi-ok:has-text('已保存')")
    page.wait_for_selector("#vi-state:has-text('已注册')", timeout=15000)
    link = gw.login("root").get("/api/v1/precincts/p1/viid").json()
    assert link["keepalive_s"] == 20 and link["password_set"] is True
    assert sorted(link["kinds"]) == ["intrusion", "watchlist"]
    assert page.is_checked("#vi-form label:has-text('周界入侵') input")
    if page.is_visible("#toast"):  # the new-alert notice, not part of this page
        page.click("#toast .toast-close")
    shoot(page, "admin_viid")
    # The password is nowhere: not in the page, not in what the API sent it, not in the API.
    assert upper.password not in page.content() and WRONG not in page.content()
    assert any(r.request.method == "PUT" for r in seen)
    for resp in seen:  # the settings and every status the page fetched
        assert upper.password not in resp.text() and WRONG not in resp.text()
    api = gw.login("root")
    for path in ("/api/v1/precincts/p1/viid", "/api/v1/precincts/p1/viid/status"):
        text = api.get(path).text
        assert upper.password not in text and WRONG not in text and 'password"' not in text
    page.click(".lang-switch >> nth=1")
    page.wait_for_selector("#vi-state:has-text('Registered')")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=str(ARTIFACTS / "admin_viid_en-1024x768.png"))
    assert "Failed uploads" in page.inner_text("#vi-status")


def test_turning_the_link_off_and_another_precinct(  # type: ignore[no-untyped-def]
    gw: GatewayServer, upper: ViidServer, page
) -> None:
    log_in(page, gw, "root")
    open_admin(page, "viid")
    page.select_option("#vi-form select[name=precinct]", label="浔阳派出所")
    page.wait_for_load_state("networkidle")  # as above
    page.wait_for_selector("#vi-status >> text=该派出所尚未设置视图库对接")
    page.click("#vi-form button[type=submit]")  # empty: the page says what is missing first
    assert page.inner_text("#vi-error") == "请填写以 http:// 或 https:// 开头的上级视图库地址"
    fill(page, upper, upper.password)
    page.check("#vi-form input[name=which][value=pick]")
    page.click("#vi-form button[type=submit]")
    assert page.inner_text("#vi-error") == "请至少选择一种警情类型"
    page.check("#vi-form input[name=which][value=police]")
    page.click("#vi-form button[type=submit]")
    page.wait_for_selector("#vi-state:has-text('已注册')", timeout=15000)
    page.uncheck("#vi-form input[name=enabled]")
    page.click("#vi-form button[type=submit]")
    page.wait_for_selector("#vi-state:has-text('已停用')")
    assert "不上传警情" in page.inner_text("#vi-status")
    assert gw.login("root").get("/api/v1/precincts/p1/viid").json()["enabled"] is False
    # Another precinct by name: its own (empty) settings, the first one's untouched.
    page.select_option("#vi-form select[name=precinct]", label="庐山派出所")
    page.wait_for_selector("#vi-status >> text=该派出所尚未设置视图库对接")
    assert page.input_value("#vi-form input[name=url]") == ""
    assert page.get_attribute("#vi-form input[name=password]", "placeholder") == "第一次设置必填"
