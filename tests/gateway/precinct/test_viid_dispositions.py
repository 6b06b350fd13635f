"""Dispositions (布控) from a real upper system: to a watch-list entry an edge syncs, a hit at
the edge back as a DispositionNotification, a revoke removes it; Digest guards the door."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from ulid import ULID

from anju_contracts import format_ts, utcnow
from anju_gateway.edges.enrolment import enrol
from tests.gateway.precinct.test_viid import GATE, SYSTEM, jpeg
from tests.support.servers import GatewayServer, wait_until
from tests.support.viid_server import ViidServer

PLATE = "赣G12345"


def local(delta_h: float) -> str:
    return (utcnow() + timedelta(hours=8 + delta_h)).strftime("%Y%m%d%H%M%S")


def disposition(did: str, category: int = 2, operate: int = 0, target: str = PLATE) -> dict:  # type: ignore[type-arg]
    return {"DispositionID": did, "Title": "盗抢车辆", "DispositionCategory": category,
            "TargetFeature": target, "PriorityLevel": 1, "BeginTime": local(-1),
            "EndTime": local(24), "OperateType": operate, "Reason": "案件 2026-118",
            "ApplicantName": "王警官"}  # fmt: skip


@pytest.fixture
def gw(tmp_path: Path, upper: ViidServer) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw", viid_poll_s=0.05, sync_wait_max_s=0).start()
    server.add_compound("c1", "p1", name="安居小区")
    server.add_user("admin", "admin")
    body = {"url": upper.url, "system_id": SYSTEM, "username": upper.username,
            "password": upper.password, "kinds": ["intrusion"]}  # fmt: skip
    assert server.login("admin").put("/api/v1/precincts/p1/viid", json=body).status_code == 200
    yield server
    server.stop()


def synced_plates(gw: GatewayServer, token: str) -> list[str]:
    resp = httpx.get(f"{gw.url}/api/v1/edge/sync", headers={"Authorization": f"Bearer {token}"})
    resp.raise_for_status()
    return [e["value"] for e in resp.json()["watchlist"] if e["kind"] == "plate"]


def hit(gw: GatewayServer, token: str) -> None:
    ts = utcnow()
    alert = {
        "id": str(ULID.from_datetime(ts)), "compound_id": "c1", "source_kind": "gate",
        "source_id": "north-gate", "kind": "watchlist", "severity": "critical",
        "ts": format_ts(ts), "snapshot_jpeg_b64": base64.b64encode(jpeg()).decode(),
        "details": {"plate": PLATE, "gb_code": GATE, "watchlist_kind": "plate", "value": PLATE},
    }  # fmt: skip
    resp = httpx.post(f"{gw.url}/api/v1/edge/alerts", json={"v": 1, "alerts": [alert]},
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    resp.raise_for_status()


def test_round_trip_to_the_edge_and_the_hit_back(gw: GatewayServer, upper: ViidServer) -> None:
    token = enrol(gw.db, code=gw.enrol_code("c1"), hostname="t", now=utcnow()).token
    resp = upper.send_dispositions(gw.url, [disposition("D1"), disposition("F1", category=1)])
    assert resp.status_code == 200, resp.text
    codes = [
        s["StatusCode"] for s in resp.json()["ResponseStatusListObject"]["ResponseStatusObject"]
    ]
    assert codes == [0, 0]
    assert synced_plates(gw, token) == [PLATE]  # the face disposition is kept, not matched
    hit(gw, token)
    wait_until(lambda: upper.notifications, timeout=15, message="notification")
    note = upper.notifications[0]
    assert note["DispositionID"] == "D1" and note["MotorVehicleObject"]["PlateNo"] == PLATE
    assert note["CntObjectID"] == note["MotorVehicleObject"]["MotorVehicleID"]
    assert upper.received["/VIID/MotorVehicles"] == []  # watchlist is not in this link's kinds
    revoke = upper.send_dispositions(gw.url, [disposition("D1", operate=1)])
    assert revoke.json()["ResponseStatusListObject"]["ResponseStatusObject"][0]["StatusCode"] == 0
    assert synced_plates(gw, token) == []


def test_the_door_wants_the_links_account(gw: GatewayServer, upper: ViidServer) -> None:
    assert upper.send_dispositions(gw.url, [disposition("D2")], password="wrong").status_code == 401
    no_id = httpx.post(f"{gw.url}/VIID/Dispositions", json={},
                       auth=httpx.DigestAuth(upper.username, upper.password))  # fmt: skip
    assert no_id.status_code == 400
    bad = upper.send_dispositions(gw.url, [disposition("D3", target="not a plate!!")])
    status = bad.json()["ResponseStatusListObject"]["ResponseStatusObject"][0]
    assert status["StatusCode"] == 8 and "plate" in status["StatusString"]
