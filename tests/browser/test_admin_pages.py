"""The admin pages of the officers' console in real headless Chromium: the watch list (布控),
users and roles, compounds and enrolment codes, routing per precinct; scoped like the API;
laid out at 1024x768, 1366x768 and 1440x900 in zh-CN and once in English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from anju_gateway.edges.enrolment import enrol
from anju_gateway.store.compounds import upsert_precinct
from anju_gateway.store.users import create_user
from tests.support.browser import ARTIFACTS
from tests.support.servers import PASSWORD, GatewayServer

pytestmark = pytest.mark.browser

SIZES = [(1024, 768), (1366, 768), (1440, 900)]
# Anything in the admin page wider than its box, and the page itself wider than the window.
OVERFLOW = """() => [...document.querySelectorAll('#admin-tab *, .top *')]
  .filter((el) => el.offsetParent !== null && el.clientWidth > 0
                  && el.scrollWidth > el.clientWidth + 1
                  && !['INPUT', 'SELECT'].includes(el.tagName))
  .map((el) => el.className || el.id || el.tagName)
  .concat(document.documentElement.scrollWidth > window.innerWidth ? ['page'] : [])"""
# Latin words or snake_case on a zh-CN page (user names like zhang.wei are data, in their column).
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(police|property|both|admin|officer|plate|create|remove)\b")


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw").start()
    server.add_compound("c1", "p1", name="安居示范小区")
    server.add_compound("c2", "p2", name="庐山小区")
    with server.db.write() as conn:
        upsert_precinct(conn, precinct_id="p1", name="浔阳派出所")
        upsert_precinct(conn, precinct_id="p2", name="庐山派出所")
    server.add_user("root", "admin")
    server.add_user("zhang.wei", "officer", precinct_id="p1")
    with server.db.write() as conn:  # names shown in the pages
        for name, shown in (("root", "赵所长"), ("zhang.wei", "张伟")):
            conn.execute("UPDATE users SET display_name = ? WHERE username = ?", (shown, name))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_policy_violation(page) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The admin pages run under the console's Content-Security-Policy (web/headers.py)."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield
    assert violations == []


def log_in(page, gw: GatewayServer, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(gw.url + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")


def open_admin(page, sub: str) -> None:  # type: ignore[no-untyped-def]
    page.click("#nav-admin")
    page.click(f".subnav [data-sub={sub}]")
    page.wait_for_selector(f".subnav [data-sub={sub}].active")


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshots at the three sizes; nothing overflows; no raw key on the zh-CN page."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        assert page.evaluate(OVERFLOW) == [], (name, width)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"))
    text = page.inner_text("#admin-tab")
    data = {"zhang.wei", "li.na", "root"}
    words = {w for w in RAW.findall(text) if w} - data
    assert not words, (name, words)


def test_watch_list_add_see_who_and_audit_remove(gw: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, gw, "zhang.wei")
    assert page.is_hidden("#nav-admin") and page.is_visible("#nav-watch")
    page.click("#nav-watch")
    page.wait_for_selector("#wl-form")
    form = page.locator("#wl-form")
    # An officer adds for their own precinct only: the scope offers nothing else.
    assert form.locator("select[name=precinct_id] option").all_inner_texts() == ["浔阳派出所"]
    form.locator("input[name=value]").fill("赣a d12345")
    form.locator("input[name=reason]").fill("涉案车辆，发现即报")
    form.locator("input[name=expires_at]").fill("2099-12-31T18:00")
    form.locator("button[type=submit]").click()
    row = page.locator("#watch-rows tr", has_text="赣A·D12345")
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[:4] == ["车牌", "赣A·D12345", "涉案车辆，发现即报", "浔阳派出所"]
    assert cells[4].startswith("12/31") and "18:00" in cells[4] and cells[5] == "张伟"
    row.locator(".audit").click()
    page.wait_for_selector("#wl-audit li")
    assert "张伟 添加布控：涉案车辆，发现即报" in page.inner_text("#wl-audit")
    entry = gw.login("zhang.wei").get("/api/v1/watchlist").json()[0]
    assert entry["expires_at"].startswith("2099-12-31T10:00")  # 18:00 in Shanghai
    shoot(page, "admin_watch")
    # A garbage plate is refused with the API's reason, and nothing is listed.
    form.locator("input[name=value]").fill("hello")
    form.locator("input[name=reason]").fill("x")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#wl-error:not(:empty)")
    assert page.locator("#watch-rows tr").count() == 1
    # The admin removes it (two clicks); the audit says who added and who removed it.
    page.click("#logout")
    log_in(page, gw, "root")
    page.click("#nav-watch")
    page.wait_for_selector("#watch-rows tr")
    remove = page.locator("#watch-rows tr", has_text="赣A·D12345").locator(".remove")
    remove.click()
    assert page.inner_text("#watch-rows .remove") == "确认撤销"
    page.locator("#watch-rows .remove").click()
    page.wait_for_selector("#wl-audit li:nth-child(2)")
    audit = page.locator("#wl-audit li").all_inner_texts()
    assert "张伟 添加布控" in audit[0] and "赵所长 撤销布控" in audit[1]
    assert page.locator("#watch-rows tr").count() == 0
    assert gw.login("root").get("/api/v1/watchlist").json() == []


def test_create_user_then_log_in_as_them(gw: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, gw, "root")
    open_admin(page, "users")
    form = page.locator("#us-form")
    form.locator("input[name=username]").fill("li.na")
    form.locator("input[name=display_name]").fill("李娜")
    form.locator("select[name=role]").select_option("property_manager")
    assert page.is_hidden("#us-form .for-precinct") and page.is_visible("#us-form .for-compound")
    form.locator("select[name=compound_id]").select_option(label="庐山小区")
    form.locator("input[name=password]").fill("short")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#us-error:text-is('密码至少 8 位')")
    form = page.locator("#us-form")
    form.locator("input[name=username]").fill("li.na")
    form.locator("input[name=display_name]").fill("李娜")
    form.locator("select[name=role]").select_option("officer")
    form.locator("select[name=precinct_id]").select_option(label="庐山派出所")
    form.locator("input[name=password]").fill("lina-pass-1")
    form.locator("button[type=submit]").click()
    row = page.locator("#users tr[data-user='li.na']")
    row.wait_for()
    assert row.locator("td").all_inner_texts()[:4] == ["李娜", "li.na", "民警", "庐山派出所"]
    # Reset 张伟's password from the page.
    page.locator("#users tr[data-user='zhang.wei'] .reset").click()
    page.fill("#us-reset input[name=password]", "zhang-new-pass")
    page.click("#us-reset button[type=submit]")
    page.wait_for_selector("#us-ok:has-text('密码已重置')")
    # Disable 李娜 and enable her again from the page (the store's disabled flag).
    page.locator("#users tr[data-user='li.na'] .toggle").click()
    page.wait_for_selector("#users tr[data-user='li.na'].off :text('已停用')")
    with pytest.raises(httpx.HTTPStatusError):
        gw.login("li.na", "lina-pass-1")
    page.locator("#users tr[data-user='li.na'] .toggle").click()
    page.wait_for_selector("#users tr[data-user='li.na']:not(.off) :text('正常')")
    shoot(page, "admin_users")
    page.click(".lang-switch >> nth=1")
    page.wait_for_selector(".subnav [data-sub=users]:has-text('Users and roles')")
    assert row.locator("td").nth(2).inner_text() == "officer"
    page.set_viewport_size({"width": 1024, "height": 768})
    assert page.evaluate(OVERFLOW) == []
    page.screenshot(path=str(ARTIFACTS / "admin_users_en-1024x768.png"))
    page.click(".lang-switch >> nth=1")
    page.click("#logout")
    log_in(page, gw, "li.na", "lina-pass-1")
    assert "李娜" in page.inner_text("#who") and page.is_hidden("#nav-admin")
    assert gw.login("zhang.wei", "zhang-new-pass").get("/api/v1/auth/me").status_code == 200


def test_rename_compound_and_issue_enrolment_code(gw: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, gw, "root")
    open_admin(page, "compounds")
    row = page.locator("#compounds tr[data-id=c1]")
    row.locator(".rename-btn").click()
    row.locator("input[name=name]").fill("安居花园")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#compounds tr[data-id=c1] td.name:has-text('安居花园')")
    assert page.locator("#compounds tr[data-id=c1] td").nth(1).inner_text() == "浔阳派出所"
    page.locator("#compounds tr[data-id=c1] select[name=ttl]").select_option("120")
    page.locator("#compounds tr[data-id=c1] .issue").click()
    page.wait_for_selector("#enrol-code")
    shown = page.inner_text("#enrol-code")
    code = page.inner_text("#enrol-code .code")
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert "安居花园" in shown and "有效期至" in shown
    shoot(page, "admin_compounds")
    # Shown once: leaving the page forgets it; the code itself enrols a box of that compound.
    page.click("a.tab[data-tab=feed]")
    open_admin(page, "compounds")
    assert page.locator("#enrol-code").count() == 0
    assert enrol(gw.db, code=code, hostname="box", now=datetime.now(UTC)).compound_id == "c1"


def test_routing_change_persists_after_reload(gw: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, gw, "root")
    open_admin(page, "routing")
    page.wait_for_selector("#routes tr[data-kind=door_held_open]")
    row = page.locator("#routes tr[data-kind=door_held_open]")
    assert row.locator("td.default input").get_attribute("value") == "property"
    assert "默认" in row.locator("td.default").inner_text()
    row.locator("input[value=police]").check()
    page.click("#rt-form button[type=submit]")
    page.wait_for_selector("#rt-ok:has-text('已保存')")
    shoot(page, "admin_routing")
    page.reload()
    page.wait_for_selector("#app:not([hidden])")
    open_admin(page, "routing")
    row = page.locator("#routes tr[data-kind=door_held_open]")
    row.wait_for()
    assert row.locator("input[value=police]").is_checked()
    assert "已改" in row.locator("td.kind").inner_text()
    assert "赵所长" in page.inner_text("#adm-page")  # who changed it, by name
    policy = gw.login("root").get("/api/v1/precincts/p1/routing").json()
    assert policy["overrides"] == {"door_held_open": "police"}
    # Per precinct: 庐山派出所 still routes it by default.
    page.select_option("#rt-form select[name=precinct]", label="庐山派出所")
    page.wait_for_selector("#routes tr[data-kind=door_held_open]:not(.changed)")
    other = page.locator("#routes tr[data-kind=door_held_open]")
    assert other.locator("input[value=property]").is_checked()


def test_non_admin_sees_no_admin_nav(gw: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    with gw.db.write() as conn:
        create_user(conn, username="pm", password_hash=_hash(), role=_role("property_manager"),
                    now="2026-12-01T00:00:00Z", compound_id="c1")  # fmt: skip
    for name in ("zhang.wei", "pm"):
        log_in(page, gw, name)
        assert page.is_hidden("#nav-admin")
        assert page.is_hidden("#nav-watch") == (name == "pm")
        assert gw.login(name).get("/api/v1/users").status_code == 403
        page.click("#logout")


def _hash() -> str:
    from anju_gateway.access.security import hash_password

    return hash_password(PASSWORD)


def _role(name: str):  # type: ignore[no-untyped-def]
    from anju_gateway.store.users import Role

    return Role(name)
