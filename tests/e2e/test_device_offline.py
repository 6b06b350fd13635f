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
