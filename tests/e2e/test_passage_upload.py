"""Vehicle passage records (智能卡口), issue 17: switched off, a plate read at a gate leaves
nothing; switched on at the gateway, it reaches the precinct's 视图库 as one MotorVehicle
record, exactly once, also when the edge restarts with the record still queued."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import REGISTRY

from anju_contracts import GateEventType
from anju_sim.devices import SimGate
from tests.gateway.precinct.test_viid import SYSTEM
from tests.support.servers import GatewayServer, start_edge, wait_until
from tests.support.viid_server import ViidServer

MV = "/VIID/MotorVehicles"


@pytest.fixture
def upper() -> Iterator[ViidServer]:
    server = ViidServer()
    yield server
    server.stop()


def sent_bytes() -> float:
    value = REGISTRY.get_sample_value("anju_edge_uplink_bytes_total", {"kind": "passages"})
    return value or 0.0


def link(gateway: GatewayServer, upper: ViidServer) -> None:
    gateway.add_user("admin", "admin")
    admin = gateway.login("admin")
    body = {"url": upper.url, "system_id": SYSTEM, "username": upper.username,
            "password": upper.password}  # fmt: skip
    assert admin.put("/api/v1/precincts/p1/viid", json=body).status_code == 200


def test_off_nothing_leaves_on_one_record_exactly_once_across_a_restart(  # type: ignore[no-untyped-def]
    broker, gateway, edge, enrolled_edge_config, upper
) -> None:
    link(gateway, upper)
    admin = gateway.login("admin")
    assert admin.get("/api/v1/compounds/c1/passage-upload").json()["enabled"] is False
    before = sent_bytes()
    gate = SimGate("127.0.0.1", broker.port, "c1", "g1")
    gate.start()
    try:
        # Off (the default): the plate read is handled at the gate, nothing about it leaves.
        gate.emit(GateEventType.plate_read, plate="赣G 12345", direction="in")
        wait_until(lambda: edge.gate_events.empty(), timeout=5, message="the event handled")
        time.sleep(1.5)
        assert edge.passages.depth() == 0 and upper.received[MV] == []
        assert sent_bytes() == before  # not one request about passages

        # Only an admin switches it; the edge learns it through the sync.
        gateway.add_user("officer1", "officer", precinct_id="p1")
        officer = gateway.login("officer1")
        put = officer.put("/api/v1/compounds/c1/passage-upload", json={"enabled": True})
        assert put.status_code == 403
        put = admin.put("/api/v1/compounds/c1/passage-upload", json={"enabled": True})
        assert put.status_code == 200 and put.json()["updated_by"] == "admin"
        wait_until(lambda: edge.passage_upload(), timeout=10, message="the switch at the edge")

        # On, with the uplink held: the record waits in the box's queue across a restart.
        edge.passage_uplink.stop()
        gate.emit(GateEventType.plate_read, plate="赣G 12345", direction="out")
        wait_until(lambda: edge.passages.depth() == 1, timeout=10, message="the queued record")
        queued = edge.passages.batch(10)
        assert [(r.plate, r.gate_id, r.direction) for r in queued] == [("赣G12345", "g1", "out")]
        edge.stop()
        again = start_edge(enrolled_edge_config)
        try:
            got = wait_until(lambda: upper.received[MV], timeout=20, message="the upload")
            assert sent_bytes() > before
            wait_until(lambda: again.passages.depth() == 0, timeout=10, message="the ack")
            # The same batch sent again (an ack lost on the way) is a duplicate: queued once.
            token = enrolled_edge_config.token_path().read_text().strip()
            resp = httpx.post(
                f"{gateway.url}/api/v1/edge/passages",
                content=f'{{"v":1,"passages":[{queued[0].model_dump_json()}]}}',
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            assert resp.json()["receipts"][0]["status"] == "duplicate"
            time.sleep(1.5)
        finally:
            again.stop()
    finally:
        gate.stop()
    assert len(upper.received[MV]) == 1, upper.received[MV]
    obj = got[0]
    assert obj["PlateNo"] == "赣G12345" and obj["DeviceID"] == SYSTEM and obj["HasPlate"] is True
    assert len(obj["PassTime"]) == 14 and "SubImageList" not in obj
    assert obj["MotorVehicleID"].startswith(SYSTEM)
