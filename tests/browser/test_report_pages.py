"""The daily report and analytics in real Chromium, as a duty officer reaches them from the
console: the console's frame at 1440x900, 1366x768 and 1024x768 with nothing running off the
screen, one language per page following the console's English switch and its own, and 退出."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.test_officer_glossary import overdue_day
from tests.browser.test_officer_worklist import (  # noqa: F401  (fixture)
    ONE_LINE_HEADER,
    SIZES,
    gw,
    log_in,
)
from tests.support.browser import ARTIFACTS
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser

# Anything wider than the window: the page must never scroll sideways (a wide table scrolls
# inside its own box instead).
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_report_pages_in_the_consoles_frame_at_every_size(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    day = overdue_day(gw)
    log_in(page, gw)
    page.wait_for_selector("li.alert")
    page.click("nav a[href='/reports/daily']")  # from the console's own nav
    page.wait_for_selector("h1")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    pages = {"daily": f"/reports/daily?date={day}", "analytics": "/analytics"}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for name, path in pages.items():
            page.goto(gw.url + path)
            assert page.inner_text(".top .brand") == "安居 民警工作台"
            assert page.locator(".top nav a.active").count() == 1
            assert page.evaluate(ONE_LINE_HEADER) == [], (name, width)
            assert page.evaluate(SIDEWAYS) <= 0, (name, width)
            page.screenshot(path=str(ARTIFACTS / f"reports-{name}-{width}x{height}.png"))
    for width, height in ((1366, 768), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        for name, path in pages.items():
            page.goto(gw.url + path + ("&" if "?" in path else "?") + "lang=en")
            assert page.inner_text(".top .brand") == "Anju Officers' console" or width < 1200
            assert page.evaluate(ONE_LINE_HEADER) == [], (name, width, "en")
            assert page.evaluate(SIDEWAYS) <= 0, (name, width, "en")
            page.screenshot(path=str(ARTIFACTS / f"reports-{name}-en-{width}x{height}.png"))


def test_one_language_follows_the_console_and_back(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    log_in(page, gw)
    page.wait_for_selector("#live-dot.on")
    page.click("button.lang-switch >> nth=-1")  # the console in English ...
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.click("nav a[href='/analytics']")
    page.wait_for_url("**/analytics?lang=en")  # ... so is the page it opens
    assert page.inner_text("h1") == "Alert analytics"
    page.click(".top nav >> text=Daily report")
    page.wait_for_url("**/reports/daily?lang=en")
    assert page.inner_text("h1").startswith("Daily clearance report")
    page.click("a.lang-switch")  # the page's own switch: Chinese, and the console follows
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    assert page.inner_text("h1").startswith("警情清零日报")
    assert "lang=zh" in page.url
    page.click(".top nav >> text=警情")
    page.wait_for_selector("#live-dot.on")
    assert page.inner_text("#app .brand") == "安居 民警工作台"
    assert page.evaluate("localStorage.getItem('anju.lang')") == "zh"


def test_logout_from_the_report_page(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    log_in(page, gw, "/reports/daily")
    # ?next= brings the officer back to the report.
    page.wait_for_url(lambda url: urlsplit(url).path == "/reports/daily")
    assert page.inner_text("#who") == "zhang.wei (民警)"  # no display name: the login name
    page.click("#logout")
    page.wait_for_selector("#login-form")
    page.goto(gw.url + "/reports/daily")
    page.wait_for_selector("#login-form")  # the session is over: the page asks for the login
