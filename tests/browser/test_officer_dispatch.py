"""Dispatch names a target: the form offers the precinct's officers by name (free text allowed),
refuses to dispatch to nobody, and the detail and history say whom (派往 李娜)."""

from __future__ import annotations

import pytest

from anju_contracts import format_ts, utcnow
from anju_gateway.access.security import hash_password
from anju_gateway.store.users import Role, create_user
from tests.browser.test_officer_worklist import (  # noqa: F401  (gw: fixture)
    at_every_size,
    gw,
    log_in,
    named_box,
    post_alert,
)
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser


def test_dispatch_to_an_officer_by_name(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    gw.add_compound("c2", "p2")  # another precinct, whose officers are not offered
    with gw.db.write() as conn:
        for username, name, precinct in (("li.na", "李娜", "p1"), ("zhao.lei", "赵磊", "p2")):
            create_user(conn, username=username, password_hash=hash_password("x" * 12),
                        role=Role.officer, now=format_ts(utcnow()), display_name=name,
                        precinct_id=precinct)  # fmt: skip
    alert_id = post_alert(named_box(gw), "high")
    gw.login("zhang.wei").post(f"/api/v1/alerts/{alert_id}/acknowledge", json={})
    log_in(page, gw)
    page.locator(f"li.alert[data-id='{alert_id}']").click()
    page.wait_for_selector("#act input[name=target]")
    page.wait_for_function("() => document.querySelectorAll('#dispatch-targets option').length")
    options = page.eval_on_selector_all(
        "#dispatch-targets option", "os => os.map(o => [o.value, o.textContent])"
    )
    assert options == [["zhang.wei", "民警"], ["李娜", "民警"]]  # p1's officers only, by name
    assert page.get_attribute("#act input[name=target]", "placeholder").startswith("派警对象")

    page.click("#act button[data-action=dispatch]")  # to nobody: refused in the page
    assert page.inner_text("#act-error") == "请填写派警对象"
    assert page.inner_text("#detail-state") == "已签收"
    at_every_size(page, "officer_dispatch")

    page.fill("#act input[name=target]", "李娜")
    page.fill("#act input[name=note]", "速到东侧围墙")
    page.click("#act button[data-action=dispatch]")
    page.wait_for_selector("#detail-state:has-text('已派警')")
    assert page.inner_text("#detail-target") == "李娜"
    assert "派往 李娜 · 速到东侧围墙" in page.inner_text("ol.history")
    assert "[" not in page.inner_text("ol.history")
    row = gw.login("zhang.wei").get(f"/api/v1/alerts/{alert_id}").json()
    assert row["extra"]["dispatched_to"] == "李娜"
