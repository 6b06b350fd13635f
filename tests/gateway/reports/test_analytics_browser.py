"""The report and analytics pages in real Chromium: charts drawn, print layout, filters work."""

from __future__ import annotations

from tests.gateway.reports.test_analytics import gw  # noqa: F401 - the crafted alerts of that module


def _login(server, page, user: str) -> None:  # type: ignore[no-untyped-def]
    token = server.login(user).headers["Authorization"][7:]
    page.context.add_cookies([{"name": "anju_session", "value": token, "url": server.url}])


def test_analytics_page_draws_charts_and_filters(gw, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _login(gw, page, "off1")
    page.goto(f"{gw.url}/analytics?from=2026-12-01&to=2026-12-31&month=2026-12")
    heat = page.locator("#heatmap svg")
    box = heat.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 100
    assert page.locator("#heatmap rect.cell").count() == 48
    assert page.locator("#trend rect.bar").count() == 31
    # Choosing a type in the form narrows the heatmap to that type's row.
    page.select_option("select[name=kind]", "intrusion")
    page.click("form.controls button[type=submit]")
    page.wait_for_url("**kind=intrusion**")
    assert page.locator("#heatmap rect.cell").count() == 24
    assert page.locator("#heatmap rect.cell[data-hour='23']").get_attribute("data-count") == "1"


def test_report_page_prints_without_navigation(gw, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _login(gw, page, "off1")
    page.goto(f"{gw.url}/reports/daily?date=2026-12-31")
    assert page.locator("h1").inner_text().endswith("2026-12-31")
    assert page.locator("header").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header").is_visible()
    assert not page.locator("form.controls").is_visible()
    assert page.locator(".cards").is_visible()
