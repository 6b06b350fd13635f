"""A crashed gate (TCP dropped, no DISCONNECT) -> the broker's last will -> device_offline alert
at the gateway; a clean restart brings it back online."""

from __future__ import annotations

from anju_contracts import utcnow
from anju_edge.delivery.enrol import write_token
from anju_gateway.edges.enrolment import enrol
from anju_sim.devices import SimGate
from tests.support.servers import edge_config, start_edge, wait_until


def test_crashed_gate_raises_device_offline(tmp_path, broker, gateway):  # type: ignore[no-untyped-def]
    cfg = edge_config(
        tmp_path / "edge", broker.port, gateway.url, gate_rules={"offline_grace_s": 0.5}
    )
    write_token(
        cfg.token_path(),
        enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token,
    )
    service = start_edge(cfg)
    sim = SimGate("127.0.0.1", broker.port, "c1", "g1")
    try:
        sim.start()
        gateway.add_user("o1", "officer", precinct_id="p1")
        officer = gateway.login("o1")
        sim.crash()
        alerts = wait_until(
            lambda: officer.get("/api/v1/alerts").json()["alerts"],
            timeout=40,
            message="device_offline alert at the gateway",
        )
        assert [(a["kind"], a["source_kind"], a["source_id"]) for a in alerts] == [
            ("device_offline", "gate", "g1")
        ]
    finally:
        service.stop()


def test_a_flapping_gate_is_one_alert_then_recovered(tmp_path, broker, gateway):  # type: ignore[no-untyped-def]
    """Crash, power on, crash again: the box raises two device_offline alerts, the gateway keeps
    one with two occurrences; powered on again, the box's next heartbeat marks it 已恢复."""
    cfg = edge_config(
        tmp_path / "edge",
        broker.port,
        gateway.url,
        gate_rules={"offline_grace_s": 0.5},
        gateway={"url": gateway.url, "backoff_initial_s": 0.1, "backoff_max_s": 1.0,
                 "heartbeat_s": 1},
    )  # fmt: skip
    write_token(
        cfg.token_path(),
        enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token,
    )
    service = start_edge(cfg)
    gateway.add_user("o1", "officer", precinct_id="p1")
    officer = gateway.login("o1")
    sims: list[SimGate] = []

    def power_on() -> SimGate:
        sim = SimGate("127.0.0.1", broker.port, "c1", "g1")
        sim.start()
        sims.append(sim)
        return sim

    def the_alert() -> dict:  # type: ignore[type-arg]
        [alert] = officer.get("/api/v1/alerts").json()["alerts"]
        return alert  # type: ignore[no-any-return]

    try:
        power_on().crash()
        wait_until(lambda: officer.get("/api/v1/alerts").json()["alerts"], timeout=40,
                   message="the first device_offline")  # fmt: skip
        power_on().crash()
        wait_until(lambda: the_alert()["occurrences"] == 2, timeout=40,
                   message="the second outage counted on the first alert")  # fmt: skip
        power_on()
        wait_until(lambda: "cleared_at" in the_alert()["details"], timeout=40,
                   message="已恢复 from the box's heartbeat")  # fmt: skip
        alert = the_alert()
        assert (alert["kind"], alert["source_id"], alert["state"]) == (
            "device_offline",
            "g1",
            "new",
        )
        actions = [e["action"] for e in officer.get(f"/api/v1/alerts/{alert['id']}/events").json()]
        assert actions == ["received", "occurrence", "cleared"]
    finally:
        for sim in sims:
            sim.stop()
        service.stop()
