"""Officer lists a plate at the gateway -> edge syncs -> gate reads it -> critical alert."""

from __future__ import annotations

from anju_contracts import GateEventType
from anju_sim.devices import SimGate
from tests.support.servers import wait_until


def test_watchlisted_plate_raises_critical_alert(broker, gateway, edge) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("off1", "officer", precinct_id="p1")
    officer = gateway.login("off1")
    resp = officer.post("/api/v1/watchlist", json={"value": "赣A·D12345", "reason": "涉案车辆"})
    assert resp.status_code == 201
    wait_until(
        lambda: (
            edge.sync.current() is not None
            and [e.value for e in edge.sync.current().watchlist] == ["赣AD12345"]
        ),
        timeout=10,
        message="the edge to sync the watchlist",
    )
    gate = SimGate("127.0.0.1", broker.port, "c1", "g1")
    gate.start()
    try:
        gate.emit(GateEventType.plate_read, plate="赣A D12345", direction="in")
        alerts = wait_until(
            lambda: officer.get("/api/v1/alerts", params={"kind": "watchlist"}).json()["alerts"],
            timeout=10,
            message="the watchlist alert at the gateway",
        )
    finally:
        gate.stop()
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["severity"] == "critical"
    assert alert["source_id"] == "g1"
    assert alert["details"]["value"] == "赣AD12345"
    assert alert["details"]["plate"] == "赣A D12345"
    assert alert["details"]["reason"] == "涉案车辆"
