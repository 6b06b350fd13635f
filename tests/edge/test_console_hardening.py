"""The gate console's boundary, against the running console over HTTP: security headers on every
answer, visitor passes capped and never in the past, refused door openings audited, and
X-Forwarded-For believed only from a configured proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from anju.netutil import free_port
from anju_contracts import utcnow
from anju_edge.delivery.enrol import write_token
from anju_edge.service import EdgeService
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import PASSWORD, GatewayServer, edge_config, start_edge, wait_until

Console = tuple[EdgeService, str]


@pytest.fixture
def make_console(
    tmp_path: Path, broker, gateway: GatewayServer
) -> Iterator[Callable[..., Console]]:  # type: ignore[no-untyped-def]
    gateway.add_user("pm", "property_manager", compound_id="c1")
    started: list[EdgeService] = []

    def make(**console: Any) -> Console:
        port = free_port()
        cfg = edge_config(
            tmp_path / f"edge{len(started)}",
            broker.port,
            gateway.url,
            console={"port": port, **console},
        )
        token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow())
        write_token(cfg.token_path(), token.token)
        edge = start_edge(cfg)
        started.append(edge)
        wait_until(lambda: edge.sync.staff(), timeout=10, message="staff synced")
        return edge, f"http://127.0.0.1:{port}"

    yield make
    for edge in started:
        edge.stop()


def login(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=10)
    assert client.post("/api/login", json={"username": "pm", "password": PASSWORD}).status_code
    return client


def test_every_answer_carries_the_security_headers(make_console) -> None:  # type: ignore[no-untyped-def]
    _, url = make_console()
    anon = httpx.Client(base_url=url, timeout=10)
    for path in ("/", "/static/app.js", "/api/me", "/no-such-page"):
        resp = anon.get(path)
        assert resp.headers["x-frame-options"] == "DENY", path
        assert resp.headers["x-content-type-options"] == "nosniff", path
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path


def visitor(until: datetime) -> dict[str, str]:
    return {
        "name": "王芳",
        "phone": "13812345678",
        "host_unit": "3-402",
        "plate": "赣AD12345",
        "valid_until": until.isoformat(),
    }


def test_visitor_passes_are_capped_and_never_in_the_past(make_console) -> None:  # type: ignore[no-untyped-def]
    _, url = make_console()
    c = login(url)
    now = datetime.now(UTC)
    for until, words in [
        (now - timedelta(minutes=1), ("有效期已过", "in the past")),
        (now + timedelta(hours=25), ("最长 24 小时", "at most 24 hours")),
        (datetime(2099, 1, 1, tzinfo=UTC), ("最长 24 小时", "at most 24 hours")),
        (datetime.fromisoformat("9999-12-31T23:30:00-01:00"), ("at most 24 hours",)),
        (datetime.fromisoformat("0001-01-01T00:30:00+01:00"), ("in the past",)),
    ]:
        resp = c.post("/api/visitors", json=visitor(until))
        assert resp.status_code == 422, (until, resp.text)
        assert all(w in resp.json()["detail"] for w in words), resp.text
    assert c.get("/api/visitors").json() == []
    assert c.post("/api/visitors", json=visitor(now + timedelta(hours=23))).status_code == 201


def test_the_visitor_cap_is_configured(make_console) -> None:  # type: ignore[no-untyped-def]
    _, url = make_console(visitor_max_hours=2)
    c = login(url)
    now = datetime.now(UTC)
    assert c.post("/api/visitors", json=visitor(now + timedelta(hours=3))).status_code == 422
    assert c.post("/api/visitors", json=visitor(now + timedelta(hours=1))).status_code == 201


def test_refused_door_openings_are_audited(make_console) -> None:  # type: ignore[no-untyped-def]
    edge, url = make_console()
    c = login(url)
    codes = [
        c.post("/api/gates/g1/open", json={"reason": f"送货 {i}"}).status_code for i in range(12)
    ]
    assert codes == [200] * 10 + [429, 429]
    assert edge.console is not None
    audit = edge.console.store.rows("SELECT username, reason, outcome FROM door_opens ORDER BY at")
    assert len(audit) == 12
    assert [a["outcome"] for a in audit].count("rate_limited") == 2
    refused = [a for a in audit if a["outcome"] == "rate_limited"]
    assert {a["reason"] for a in refused} == {"送货 10", "送货 11"}
    assert all(a["username"] == "pm" for a in audit)


def spray(url: str) -> int:
    """Five failed logins from five claimed addresses, then the right password from a sixth."""
    c = httpx.Client(base_url=url, timeout=10)
    for i in range(5):
        resp = c.post(
            "/api/login",
            json={"username": "pm", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        )
        assert resp.status_code == 401
    return c.post(
        "/api/login",
        json={"username": "pm", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.99"},
    ).status_code


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_configured(make_console) -> None:  # type: ignore[no-untyped-def]
    _, url = make_console()
    assert spray(url) == 429  # every attempt came from 127.0.0.1, whatever the header said
    _, url = make_console(trusted_proxy="127.0.0.1")
    assert spray(url) == 200  # behind a configured proxy, its header names the client
