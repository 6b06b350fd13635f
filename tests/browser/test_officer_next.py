"""?next= after login goes where the officer was going: a report page's whole address (its day,
its filters) survives the login; an address of another site, however disguised, is ignored."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.test_officer_worklist import gw  # noqa: F401  (fixture)
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser


def log_in_here(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#login:not([hidden])")
    page.fill("input[name=username]", "zhang.wei")
    page.fill("input[name=password]", "test-password-1")
    page.click("#login-form button[type=submit]")


@pytest.mark.parametrize(
    "wanted",
    ["/reports/daily?date=2026-12-01", "/analytics?from=2026-11-01&to=2026-11-30&by=compound_kind"],
)
def test_a_page_with_its_query_survives_the_login(gw: GatewayServer, page, wanted: str) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    page.goto(gw.url + wanted)  # not logged in: the login, then back here
    log_in_here(page)
    page.wait_for_url(gw.url + wanted)


@pytest.mark.parametrize("next_", ["//evil.example/", "/\t/evil.example/", "/\\evil.example/"])
def test_another_site_is_ignored(gw: GatewayServer, page, next_: str) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    page.goto(f"{gw.url}/?next={quote(next_, safe='')}")
    log_in_here(page)
    page.wait_for_selector("#app:not([hidden])")  # the console opens instead
    assert page.url.startswith(gw.url + "/")


def test_logged_in_meanwhile_goes_there_too(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """Sent to the login from a report, the officer logs in in another tab; reloading this one
    opens the report, not the console."""
    wanted = "/reports/daily?date=2026-12-01"
    page.goto(gw.url + wanted)
    page.wait_for_selector("#login:not([hidden])")
    sent_to = page.url
    other = page.context.new_page()
    other.goto(gw.url + "/")
    log_in_here(other)
    other.wait_for_selector("#app:not([hidden])")
    page.goto(sent_to)
    page.wait_for_url(gw.url + wanted)
