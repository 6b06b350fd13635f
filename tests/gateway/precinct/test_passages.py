"""Vehicle passage upload (智能卡口) at the gateway: the per-compound switch (admins only),
carried to the edge by the sync (absent while off, for older edges), and the ingest that keeps
each record once and queues it only while the switch is on and the precinct has a link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from ulid import ULID

from anju_contracts import PassageRecord, format_ts, utcnow
from anju_gateway.edges.enrolment import enrol
from anju_gateway.precinct.viid_passages import passage_object
from anju_gateway.store import viid as viid_store
from tests.gateway.precinct.test_viid import GATE, SYSTEM
from tests.support.servers import GatewayServer, wait_until
from tests.support.viid_server import ViidServer


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw", viid_poll_s=0.05).start()
    server.add_compound("c1", "p1", name="安居小区")
    server.add_compound("c2", "p1", name="幸福里")
    server.add_user("admin", "admin")
    server.add_user("officer1", "officer", precinct_id="p1")
    yield server
    server.stop()


def edge_client(gw: GatewayServer, compound: str = "c1") -> httpx.Client:
    token = enrol(gw.db, code=gw.enrol_code(compound), hostname="t", now=utcnow()).token
    return httpx.Client(base_url=gw.url, headers={"Authorization": f"Bearer {token}"})


def record(compound: str = "c1", **extra: object) -> dict[str, object]:
    return {"id": str(ULID()), "compound_id": compound, "gate_id": "g1", "ts": format_ts(utcnow()),
            "plate": "赣G12345", "direction": "in", **extra}  # fmt: skip


def test_switch_is_admin_only_and_reaches_the_sync_only_when_on(gw: GatewayServer) -> None:
    edge = edge_client(gw)
    off = edge.get("/api/v1/edge/sync")
    assert "passage_upload" not in off.json()  # an older edge refuses unknown fields
    officer = gw.login("officer1")
    assert (
        officer.put("/api/v1/compounds/c1/passage-upload", json={"enabled": True}).status_code
        == 403
    )
    assert officer.get("/api/v1/compounds/c1/passage-upload").status_code == 403
    admin = gw.login("admin")
    assert (
        admin.put("/api/v1/compounds/nope/passage-upload", json={"enabled": True}).status_code
        == 404
    )
    assert admin.put("/api/v1/compounds/c1/passage-upload", json={"on": True}).status_code == 422
    put = admin.put("/api/v1/compounds/c1/passage-upload", json={"enabled": True})
    assert put.status_code == 200 and put.json()["enabled"] is True
    on = edge.get("/api/v1/edge/sync")
    assert on.json()["passage_upload"] is True and on.headers["etag"] != off.headers["etag"]
    assert "passage_upload" not in edge_client(gw, "c2").get("/api/v1/edge/sync").json()
    admin.put("/api/v1/compounds/c1/passage-upload", json={"enabled": False})
    assert edge.get("/api/v1/edge/sync").headers["etag"] == off.headers["etag"]


def test_records_queue_once_only_while_on_and_linked(gw: GatewayServer, upper: ViidServer) -> None:
    edge = edge_client(gw)
    admin = gw.login("admin")
    admin.put("/api/v1/compounds/c1/passage-upload", json={"enabled": True})
    first = record()
    # On, but no 视图库 link yet: acknowledged, nothing queued (not replayed later).
    assert edge.post("/api/v1/edge/passages", json={"v": 1, "passages": [first]}).json()[
        "receipts"] == [{"id": first["id"], "status": "stored"}]  # fmt: skip
    link = {"url": upper.url, "system_id": SYSTEM, "username": upper.username,
            "password": upper.password}  # fmt: skip
    assert admin.put("/api/v1/precincts/p1/viid", json=link).status_code == 200
    coded = record(gb_code=GATE)
    body = {"v": 1, "passages": [first, coded]}
    answer = edge.post("/api/v1/edge/passages", json=body).json()["receipts"]
    assert [r["status"] for r in answer] == ["duplicate", "stored"]
    got = wait_until(lambda: upper.received["/VIID/MotorVehicles"], timeout=15, message="upload")
    assert edge.post("/api/v1/edge/passages", json=body).status_code == 200  # all duplicates
    admin.put("/api/v1/compounds/c1/passage-upload", json={"enabled": False})
    edge.post("/api/v1/edge/passages", json={"v": 1, "passages": [record()]})  # a late one
    queue = viid_store.queue_counts(gw.db.conn(), precinct_id="p1")
    assert sum(queue.values()) == 1, queue
    assert len(got) == 1 and got[0]["DeviceID"] == GATE and got[0]["PlateNo"] == "赣G12345"
    # Another compound's record from this box: refused.
    refused = edge.post("/api/v1/edge/passages", json={"v": 1, "passages": [record("c2")]})
    assert refused.status_code == 403


def test_a_record_carries_no_image_and_no_card_number() -> None:
    for extra in ({"snapshot_jpeg_b64": "/9j/"}, {"credential": "C-10023"}):
        with pytest.raises(ValidationError):
            PassageRecord.model_validate(record(**extra))


def test_object_by_the_standards_rule_in_local_time() -> None:
    rec = PassageRecord.model_validate(
        record(ts="2026-12-03T04:15:00Z") | {"id": "01KBH0000000000000000000AA"}
    )
    obj = passage_object(rec, SYSTEM, 100_042).to_wire()
    assert obj["PassTime"] == "20261203121500"  # Asia/Shanghai
    assert obj["SourceID"] == f"{SYSTEM}02{obj['PassTime']}00042"
    assert obj["MotorVehicleID"] == obj["SourceID"] + "0200001"
    assert obj["HasPlate"] is True and "SubImageList" not in obj
    assert json.dumps(obj, ensure_ascii=False).count("赣G12345") == 1
    assert datetime(2026, 12, 3, 4, 15, tzinfo=UTC) == rec.ts


def test_cli_switches_and_shows(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from anju.cli import app

    gw = GatewayServer(tmp_path / "gw")
    gw.add_compound("c1", "p1")
    run = CliRunner().invoke
    base = ["gateway", "passage-upload"]
    data = ["--data-dir", str(tmp_path / "gw")]
    assert "c1: passage upload off" in run(app, [*base, "c1", *data]).output
    on = run(app, [*base, "c1", "--on", *data])
    assert on.exit_code == 0 and "c1: passage upload on (since" in on.output and "cli" in on.output
    assert edge_sync_flag(gw) is True
    assert run(app, [*base, "nope", "--on", *data]).exit_code == 2
    assert "passage upload off" in run(app, [*base, "c1", "--off", *data]).output
    assert edge_sync_flag(gw) is False


def edge_sync_flag(gw: GatewayServer) -> bool:
    from anju_gateway.edges.sync import build_sync

    return build_sync(gw.db.conn(), "c1", utcnow(), gw.settings).passage_upload
