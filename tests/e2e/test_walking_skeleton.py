"""A simulated gate publishes door_forced -> the edge raises an alert -> the gateway has it."""

from __future__ import annotations

from anju_contracts import GateEventType
from anju_sim.devices import SimGate
from tests.support.servers import wait_until


def test_door_forced_reaches_gateway(broker, gateway, edge):  # type: ignore[no-untyped-def]
    gateway.add_user("officer1", "officer", precinct_id="p1")
    officer = gateway.login("officer1")
    gate = SimGate("127.0.0.1", broker.port, "c1", "g1")
    gate.start()
    try:
        gate.emit(GateEventType.door_forced, direction="in")
        alerts = wait_until(
            lambda: officer.get("/api/v1/alerts").json()["alerts"],
            timeout=10,
            message="the alert at the gateway",
        )
    finally:
        gate.stop()
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["kind"] == "door_forced"
    assert alert["severity"] == "critical"
    assert alert["compound_id"] == "c1"
    assert alert["source_kind"] == "gate"
    assert alert["source_id"] == "g1"
    assert alert["state"] == "new"
    # The gateway commits before the box hears its receipt and empties its outbox.
    wait_until(lambda: edge.outbox.depth() == 0, timeout=10, message="the outbox drained")
