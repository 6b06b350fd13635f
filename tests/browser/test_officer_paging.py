"""Paging past 200 alerts: the list opens with the newest 200 (and every open one); the foot of
the list loads older ones 200 at a time, by its button or by scrolling to it, until none are
left; a change of filters starts over."""

from __future__ import annotations

import pytest

from anju_gateway.store.alerts import query_alerts, set_columns
from anju_gateway.store.alerts.records import AlertQuery
from tests.browser.test_officer_worklist import gw, log_in, named_box, post_alert  # noqa: F401
from tests.support.browser import ARTIFACTS
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser
ROWS = "() => document.querySelectorAll('li.alert').length"


def scroll_to_foot(page) -> None:  # type: ignore[no-untyped-def]
    """Scroll the list to its foot (from its top, so there is a scroll to notice)."""
    page.eval_on_selector("#alerts", "l => { l.scrollTop = 0; }")
    page.wait_for_timeout(100)
    page.eval_on_selector("#alerts", "l => { l.scrollTop = l.scrollHeight; }")


def test_older_alerts_page_in(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    box = named_box(gw)
    post_alert(box, "normal", count=450)
    newest = query_alerts(gw.db.conn(), AlertQuery(limit=500))
    with gw.db.write() as conn:  # all but the newest 10 closed long ago: only paging shows them
        for alert in newest[10:]:
            set_columns(conn, alert_id=alert.id, values={"state": "resolved"})
    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page, gw)
    page.wait_for_function(f"{ROWS} === 200")
    assert page.inner_text("li.more .muted") == "已显示 200 条"
    page.click("#more")
    page.wait_for_function(f"{ROWS} >= 400")
    ids = page.eval_on_selector_all("li.alert", "ls => ls.map(l => l.dataset.id)")
    assert len(set(ids)) == len(ids) >= 400
    # Scrolling to the foot of the list loads the rest; then there is nothing more to load.
    scroll_to_foot(page)
    page.wait_for_function(f"{ROWS} === 450")
    page.wait_for_selector("li.more", state="detached")
    scroll_to_foot(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "officer_paging_1024x768.png"))

    # Another filter: a new first page, and older ones of that filter only.
    page.select_option("#filters select[name=state]", "resolved")
    page.wait_for_function(f"{ROWS} === 200")
    page.wait_for_selector("#more")
    page.click("#more")
    page.wait_for_function(f"{ROWS} >= 400")  # a scroll to the foot may load the rest too
    page.wait_for_function(f"{ROWS} === 440 || document.querySelector('#more:not([disabled])')")
    page.screenshot(path=str(ARTIFACTS / "officer_paging_more_1024x768.png"))
    scroll_to_foot(page)
    page.wait_for_function(f"{ROWS} === 440")  # every closed one, and only those
    page.wait_for_selector("li.more", state="detached")
    states = page.eval_on_selector_all("li.alert", "ls => ls.map(l => l.dataset.state)")
    assert set(states) == {"resolved"}
