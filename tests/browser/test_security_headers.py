"""Security headers on the officers' console and the report pages, and the pages still work
under their Content-Security-Policy in real Chromium (no violation reported)."""

from __future__ import annotations

import pytest

from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser

PAGES = ("/", "/console/app.js", "/console/app.css", "/reports/daily", "/analytics")


def test_every_page_carries_the_headers(gateway: GatewayServer) -> None:
    gateway.add_user("o1", "officer", precinct_id="p1")
    officer = gateway.login("o1")
    for path in (*PAGES, "/api/v1/alerts", "/healthz"):
        answer = officer.get(path)
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_console_and_reports_run_under_the_policy(gateway: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    gateway.add_user("o1", "officer", precinct_id="p1")
    page.goto(gateway.url + "/")
    page.fill("input[name=username]", "o1")
    page.fill("input[name=password]", "test-password-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#live-dot.on")  # scripts ran and the live feed connected
    page.click("a.tab[data-tab=board]")
    page.wait_for_selector("#board-empty:visible")
    for path in ("/reports/daily", "/analytics"):
        page.goto(gateway.url + path)
        # The inline <style> applied (allowed by its hash): the page has no default margin.
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px", path
    assert violations == []
