"""GET /api/v1/edge/sync: contents per compound, ETag/304, long-poll without blocking."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from anju_contracts import EdgeSync, utcnow
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer


@pytest.fixture
def device(gateway):  # type: ignore[no-untyped-def]
    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
    client = httpx.Client(base_url=gateway.url, timeout=30)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
def admin(gateway):  # type: ignore[no-untyped-def]
    gateway.add_compound("c2", "p2")
    gateway.add_user("admin", "admin")
    return gateway.login("admin")


def test_contents_etag_and_304(gateway, device, admin) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("pm1", "property_manager", compound_id="c1")
    gateway.add_user("pm2", "property_manager", compound_id="c2")
    gateway.add_user("off1", "officer", precinct_id="p1")
    first = device.get("/api/v1/edge/sync")
    assert first.status_code == 200
    sync = EdgeSync.model_validate_json(first.content)
    assert sync.compound_id == "c1"
    assert first.headers["etag"] == f'"{sync.version}"'
    assert sync.watchlist == []
    # Only the compound's own property managers, with argon2 hashes for offline login.
    assert [s.username for s in sync.staff] == ["pm1"]
    assert sync.staff[0].password_hash.startswith("$argon2")
    same = device.get("/api/v1/edge/sync", headers={"If-None-Match": first.headers["etag"]})
    assert same.status_code == 304
    assert same.headers["etag"] == first.headers["etag"]
    # A p2 entry does not reach c1 (precinct p1); a global one does and changes the version.
    admin.post("/api/v1/watchlist", json={"value": "京A12345", "reason": "p2", "precinct_id": "p2"})
    assert (
        device.get(
            "/api/v1/edge/sync", headers={"If-None-Match": first.headers["etag"]}
        ).status_code
        == 304
    )
    admin.post("/api/v1/watchlist", json={"value": "赣A·D12345", "reason": "全局"})
    changed = device.get("/api/v1/edge/sync", headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200
    entries = EdgeSync.model_validate_json(changed.content).watchlist
    assert [(e.kind.value, e.value, e.reason) for e in entries] == [("plate", "赣AD12345", "全局")]
    assert changed.headers["etag"] != first.headers["etag"]


def test_needs_device_token(gateway) -> None:  # type: ignore[no-untyped-def]
    assert httpx.get(f"{gateway.url}/api/v1/edge/sync").status_code == 401
    resp = httpx.get(f"{gateway.url}/api/v1/edge/sync", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401


def test_long_poll_wakes_on_change_and_times_out(gateway, device, admin) -> None:  # type: ignore[no-untyped-def]
    etag = device.get("/api/v1/edge/sync").headers["etag"]
    # Times out with 304 after the requested wait.
    started = time.monotonic()
    held = device.get("/api/v1/edge/sync", params={"wait": 1}, headers={"If-None-Match": etag})
    assert held.status_code == 304
    assert 0.9 <= time.monotonic() - started < 5
    # A change wakes the held request at once.
    result: dict[str, httpx.Response] = {}

    def poll() -> None:
        result["r"] = device.get(
            "/api/v1/edge/sync", params={"wait": 20}, headers={"If-None-Match": etag}
        )

    thread = threading.Thread(target=poll)
    started = time.monotonic()
    thread.start()
    time.sleep(0.3)
    # While the request is held the server keeps answering (the loop is not blocked).
    t0 = time.monotonic()
    assert httpx.get(f"{gateway.url}/healthz").status_code == 200
    assert time.monotonic() - t0 < 3
    admin.post("/api/v1/watchlist", json={"value": "粤B12345D", "reason": "r"})
    thread.join(15)
    assert result["r"].status_code == 200
    # Well before the 20 s the request asked to be held (loose: the machine may be loaded).
    assert time.monotonic() - started < 15
    assert [e.value for e in EdgeSync.model_validate_json(result["r"].content).watchlist] == [
        "粤B12345D"
    ]


def test_held_request_does_not_delay_gateway_shutdown(gateway, device) -> None:  # type: ignore[no-untyped-def]
    etag = device.get("/api/v1/edge/sync").headers["etag"]
    result: dict[str, int] = {}

    def poll() -> None:
        try:
            result["status"] = device.get(
                "/api/v1/edge/sync", params={"wait": 25}, headers={"If-None-Match": etag}
            ).status_code
        except httpx.HTTPError:
            result["status"] = -1

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    gateway.stop()
    thread.join(15)
    # Well before the 25 s the request asked to be held.
    assert time.monotonic() - started < 15
    assert result["status"] == 304


def test_routing_reaches_the_box_and_changes_the_etag(gateway, device, admin) -> None:  # type: ignore[no-untyped-def]
    first = device.get("/api/v1/edge/sync")
    routing = EdgeSync.model_validate_json(first.content).routing
    # The defaults of the precinct (p1) with the gateway's property clocks.
    assert routing.routes["door_forced"] == "police"
    assert routing.routes["door_held_open"] == "property"
    assert routing.routes["crowd"] == "both"
    assert routing.raise_at == "critical"
    assert (routing.property_ack_minutes, routing.property_close_hours) == (10, 24)
    etag = first.headers["etag"]
    # Another precinct's change does not touch c1's copy.
    admin.put("/api/v1/precincts/p2/routing", json={"routes": {"door_forced": "both"}})
    assert device.get("/api/v1/edge/sync", headers={"If-None-Match": etag}).status_code == 304
    # A change of c1's precinct wakes a held long-poll and changes the version.
    result: dict[str, httpx.Response] = {}

    def poll() -> None:
        result["r"] = device.get(
            "/api/v1/edge/sync", params={"wait": 30}, headers={"If-None-Match": etag}
        )

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.3)
    put = admin.put(
        "/api/v1/precincts/p1/routing",
        json={"routes": {"fire_lane": "both", "door_forced": "property"}, "raise_at": None},
    )
    assert put.status_code == 200
    thread.join(25)
    assert result["r"].status_code == 200
    changed = EdgeSync.model_validate_json(result["r"].content)
    assert result["r"].headers["etag"] == f'"{changed.version}"' != etag
    assert changed.routing.routes["fire_lane"] == "both"
    assert changed.routing.routes["door_forced"] == "property"
    assert changed.routing.raise_at is None
    # The box decides with the gateway's own rule: without raise_at a critical one stays.
    assert changed.routing.handler_for("door_forced", "critical") == "property"


def test_property_clocks_follow_the_gateway_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.servers import GatewayServer

    gw = GatewayServer(
        tmp_path / "gw", sla_property_ack_minutes=3, sla_property_close_hours=0.5
    ).start()
    try:
        gw.add_compound("c1", "p1")
        token = enrol(gw.db, code=gw.enrol_code("c1"), hostname="t", now=utcnow()).token
        resp = httpx.get(f"{gw.url}/api/v1/edge/sync", headers={"Authorization": f"Bearer {token}"})
        routing = EdgeSync.model_validate_json(resp.content).routing
        assert (routing.property_ack_minutes, routing.property_close_hours) == (3, 0.5)
    finally:
        gw.stop()


def test_a_change_at_one_replica_wakes_a_sync_held_at_another(  # type: ignore[no-untyped-def]
    gateway, device, admin, store_engine
) -> None:
    """Two replicas on one store: the box's long-poll is held by the other replica, which
    re-reads the store only every 30 s here, so only the change's notification can wake it."""
    if store_engine == "sqlite":
        pytest.skip("replicas share PostgreSQL; a SQLite store has one gateway process")
    other = GatewayServer(gateway.settings.data_dir, sync_recheck_s=30).start()
    try:
        etag = device.get("/api/v1/edge/sync").headers["etag"]
        result: dict[str, httpx.Response] = {}

        def poll() -> None:
            result["r"] = httpx.get(
                f"{other.url}/api/v1/edge/sync", params={"wait": 25},
                headers={**device.headers, "If-None-Match": etag}, timeout=30,
            )  # fmt: skip

        thread = threading.Thread(target=poll)
        thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        admin.post("/api/v1/watchlist", json={"value": "粤B54321D", "reason": "r"})
        thread.join(28)
        assert result["r"].status_code == 200
        assert time.monotonic() - started < 10  # woken, not timed out after 25 s
        synced = EdgeSync.model_validate_json(result["r"].content)
        assert [e.value for e in synced.watchlist] == ["粤B54321D"]
    finally:
        other.stop()
