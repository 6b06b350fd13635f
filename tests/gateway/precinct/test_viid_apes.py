"""Device codes end to end: the edge config's codes ride with the names to the gateway, an
admin overrides one (checked, naming the device), uploads name the device by the code in
effect, and the precinct's upper system reads the APE list by Digest."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ulid import ULID

from anju_contracts import DeviceHealth, Heartbeat, format_ts, utcnow
from anju_contracts.viid import APEList
from anju_gateway.edges.enrolment import enrol
from tests.gateway.precinct.test_viid import CAM, GATE, SYSTEM, jpeg
from tests.support.servers import GatewayServer, edge_config, heartbeat_sender, wait_until
from tests.support.viid_server import ViidServer

COMPOUND = "36040200002160000003"  # type 216: 虚拟组织
CAM2 = "36040200001310000007"  # type 131, the gateway's code for the lobby camera


@pytest.fixture
def gw(tmp_path: Path, upper: ViidServer) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw", viid_poll_s=0.05).start()
    server.add_compound("c1", "p1", name="安居小区")
    server.add_user("admin", "admin")
    server.add_user("o1", "officer", precinct_id="p1")
    body = {"url": upper.url, "system_id": SYSTEM, "username": upper.username,
            "password": upper.password, "kinds": ["intrusion"]}  # fmt: skip
    assert server.login("admin").put("/api/v1/precincts/p1/viid", json=body).status_code == 200
    yield server
    server.stop()


def box(gw: GatewayServer) -> httpx.Client:
    token = enrol(gw.db, code=gw.enrol_code("c1"), hostname="pi", now=utcnow()).token
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return httpx.Client(base_url=gw.url, headers=headers)


def beat(**codes: str | None) -> str:
    devices = [
        DeviceHealth(kind="gate", id="north-gate", state="online", name="北门",
                     gb_code=codes.get("gate")),
        DeviceHealth(kind="camera", id="lobby", state="offline", name="1号楼大堂",
                     gb_code=codes.get("camera")),
        DeviceHealth(kind="camera", id="garage", state="online", name="车库"),
    ]  # fmt: skip
    return Heartbeat(
        compound_id="c1", compound_name="幸福里", compound_gb_code=codes.get("compound"),
        ts=utcnow(), uptime_s=1, software_version="t", queue_depth=0, devices=devices,
    ).model_dump_json()  # fmt: skip


def apes(upper: ViidServer, gw: GatewayServer) -> dict[str, dict]:  # type: ignore[type-arg]
    resp = upper.query_apes(gw.url)
    assert resp.status_code == 200, resp.text
    listed = APEList.model_validate(resp.json())  # the standard's names, our rules
    return {a.ape_id: a.to_wire() for a in listed.list_object.objects}


def test_codes_travel_with_the_names_and_the_upper_system_reads_the_apes(
    gw: GatewayServer, upper: ViidServer
) -> None:
    edge = box(gw)
    assert apes(upper, gw) == {}  # nothing coded yet
    sent = beat(compound=COMPOUND, gate=GATE, camera=CAM)
    assert edge.post("/api/v1/edge/heartbeat", content=sent).status_code == 204
    admin = gw.login("admin")
    view = admin.get("/api/v1/compounds/c1/gb-codes").json()
    assert [(d["kind"], d["id"], d["name"], d["gb_code"]) for d in view["devices"]] == [
        ("compound", "", "幸福里", COMPOUND),
        ("camera", "lobby", "1号楼大堂", CAM),
        ("gate", "north-gate", "北门", GATE),
    ]
    got = apes(upper, gw)
    assert set(got) == {GATE, CAM}  # cameras and gates are APEs; the compound is not
    assert got[GATE] == {"ApeID": GATE, "Name": "幸福里 北门",
                         "Model": "门禁/道闸控制器 gate controller", "IsOnline": "1"}  # fmt: skip
    assert got[CAM]["Name"] == "幸福里 1号楼大堂" and got[CAM]["IsOnline"] == "2"

    # A beat without names (the hourly rule) forgets no code.
    plain = json.loads(sent)
    del plain["compound_name"], plain["compound_gb_code"]
    for d in plain["devices"]:
        d.pop("name"), d.pop("zones"), d.pop("gb_code")
    assert edge.post("/api/v1/edge/heartbeat", content=json.dumps(plain)).status_code == 204
    assert set(apes(upper, gw)) == {GATE, CAM}
    # A code taken out of the config is gone with the next named beat.
    assert edge.post("/api/v1/edge/heartbeat", content=beat(gate=GATE)).status_code == 204
    assert set(apes(upper, gw)) == {GATE}


def test_only_the_links_account_reads_the_apes(gw: GatewayServer, upper: ViidServer) -> None:
    assert upper.query_apes(gw.url, password="wrong-password").status_code == 401
    assert upper.query_apes(gw.url, identify=False).status_code == 400
    assert httpx.get(f"{gw.url}/VIID/APEs").status_code == 401


def test_an_admin_overrides_a_code_checked_and_uploads_use_it(
    gw: GatewayServer, upper: ViidServer
) -> None:
    edge = box(gw)
    assert edge.post("/api/v1/edge/heartbeat", content=beat(camera=CAM)).status_code == 204
    admin = gw.login("admin")
    url = "/api/v1/compounds/c1/gb-codes"
    wrong = admin.put(url, json={"codes": [{"kind": "camera", "id": "lobby", "gb_code": GATE}]})
    assert wrong.status_code == 422
    assert "摄像机 1号楼大堂 (lobby)" in wrong.json()["detail"]
    assert "type 134" in wrong.json()["detail"]
    short = admin.put(url, json={"codes": [{"kind": "compound", "gb_code": "3604"}]})
    assert short.status_code == 422 and "小区 幸福里" in short.json()["detail"]
    taken = admin.put(url, json={"codes": [{"kind": "camera", "id": "garage", "gb_code": CAM}]})
    assert taken.status_code == 422 and "already 摄像机 1号楼大堂 (lobby)" in taken.json()["detail"]
    assert gw.login("o1").put(url, json={"codes": []}).status_code == 403

    body = {"codes": [{"kind": "camera", "id": "lobby", "gb_code": CAM2},
                      {"kind": "compound", "gb_code": COMPOUND}]}  # fmt: skip
    resp = admin.put(url, json=body)
    assert resp.status_code == 200, resp.text
    lobby = next(d for d in resp.json()["devices"] if d["id"] == "lobby")
    assert (lobby["edge_code"], lobby["override_code"], lobby["gb_code"]) == (CAM, CAM2, CAM2)
    assert set(apes(upper, gw)) == {CAM2}

    ts = utcnow()
    alert = {
        "id": str(ULID.from_datetime(ts)), "compound_id": "c1", "source_kind": "camera",
        "source_id": "lobby", "kind": "intrusion", "severity": "critical", "ts": format_ts(ts),
        "objects": [{"label": "person", "score": 0.9, "box": [0.1, 0.2, 0.5, 0.9]}],
        "snapshot_jpeg_b64": base64.b64encode(jpeg()).decode(), "details": {"gb_code": CAM},
    }  # fmt: skip
    assert edge.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [alert]}).status_code == 200
    [person] = wait_until(lambda: upper.received["/VIID/Persons"], timeout=15, message="upload")
    assert person["DeviceID"] == CAM2 and person["PersonID"].startswith(CAM2)

    cleared = {"codes": [{"kind": "camera", "id": "lobby", "gb_code": None}]}
    assert admin.put(url, json=cleared).status_code == 200
    assert set(apes(upper, gw)) == {CAM}  # back to the edge config's code


@pytest.mark.parametrize("coded", [True, False], ids=["coded", "uncoded"])
def test_the_edge_sends_its_codes_with_the_names(
    gw: GatewayServer, upper: ViidServer, tmp_path: Path, coded: bool
) -> None:
    codes = {"gb_code": COMPOUND, "gates": [{"id": "g1", "name": "北门", "gb_code": GATE}]}
    config = edge_config(tmp_path / "edge", 1883, gw.url, name="幸福里", **(codes if coded else {}))
    sender = heartbeat_sender(gw, config)
    bodies: list[dict] = []  # type: ignore[type-arg]
    with httpx.Client(base_url=gw.url, event_hooks={"request": [
            lambda r: bodies.append(json.loads(r.content))]}) as client:  # fmt: skip
        assert sender.send_once(client) and sender.send_once(client)
    named, plain = bodies
    assert "compound_gb_code" not in plain and "gb_code" not in plain["devices"][0]
    if not coded:  # what gateways before codes accept: no code fields at all
        assert "compound_gb_code" not in named and "gb_code" not in named["devices"][0]
        assert apes(upper, gw) == {}
        return
    assert named["compound_gb_code"] == COMPOUND and named["devices"][0]["gb_code"] == GATE
    view = gw.login("admin").get("/api/v1/compounds/c1/gb-codes").json()
    assert [(d["id"], d["edge_code"]) for d in view["devices"]] == [("", COMPOUND), ("g1", GATE)]
    assert apes(upper, gw)[GATE]["Name"] == "幸福里 北门"


def test_cli_sets_lists_and_clears_codes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from anju.cli import app

    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "cli")]
    runner.invoke(app, ["gateway", "add-compound", "c1", "--precinct", "p1", *data])
    code = ["gateway", "gb-code", "set", "c1"]
    done = runner.invoke(app, [*code, CAM2, "--camera", "lobby", *data])
    assert done.exit_code == 0, done.output
    assert runner.invoke(app, [*code, COMPOUND, *data]).exit_code == 0
    wrong = runner.invoke(app, [*code, CAM, "--gate", "north-gate", *data])
    assert wrong.exit_code == 2 and "门禁/道闸 north-gate: gb_code" in wrong.output
    assert runner.invoke(app, [*code, "--clear", CAM, *data]).exit_code == 2
    listed = runner.invoke(app, ["gateway", "gb-code", "list", "c1", *data]).output
    assert [line.split()[:3] for line in listed.splitlines()] == [
        ["compound", "-", COMPOUND],
        ["camera", "lobby", CAM2],
    ]
    assert runner.invoke(app, [*code, "--clear", "--camera", "lobby", *data]).exit_code == 0
    listed = runner.invoke(app, ["gateway", "gb-code", "list", "c1", *data]).output
    assert "lobby" not in listed


def test_a_device_needs_a_proper_id(gw: GatewayServer) -> None:
    admin = gw.login("admin")
    url = "/api/v1/compounds/c1/gb-codes"
    none = admin.put(url, json={"codes": [{"kind": "gate", "gb_code": GATE}]})
    assert none.status_code == 422 and "门禁/道闸" in none.json()["detail"]
    odd = admin.put(url, json={"codes": [{"kind": "gate", "id": "北门", "gb_code": GATE}]})
    assert odd.status_code == 422
    assert admin.get("/api/v1/compounds/nowhere/gb-codes").status_code == 404
    assert admin.get(url).json() == {"compound_id": "c1", "devices": []}


@pytest.mark.parametrize("takes", [True, False], ids=["pushed", "no-post"])
def test_the_list_is_pushed_after_register_and_on_change(
    gw: GatewayServer, upper: ViidServer, takes: bool
) -> None:
    upper.takes_apes = takes
    edge = box(gw)
    assert edge.post("/api/v1/edge/heartbeat", content=beat(gate=GATE)).status_code == 204
    wait_until(lambda: upper.count("apes" if takes else "404"), timeout=15, message="push")
    if not takes:  # an upper system that only reads GET /VIID/APEs: asked once, not again
        time.sleep(1.0)  # some 20 rounds of the link
        assert upper.count("register") == 1 and upper.count("404") == 1
        status = gw.login("admin").get("/api/v1/precincts/p1/viid/status").json()
        assert status["state"] == "registered"  # the session is not harmed
        return
    assert [a["ApeID"] for a in upper.apes[0]] == [GATE]
    assert upper.apes[0][0]["Name"] == "幸福里 北门" and upper.apes[0][0]["IsOnline"] == "1"
    body = {"codes": [{"kind": "camera", "id": "lobby", "gb_code": CAM2}]}
    assert gw.login("admin").put("/api/v1/compounds/c1/gb-codes", json=body).status_code == 200
    wait_until(lambda: len(upper.apes) == 2, timeout=15, message="the changed list")
    assert sorted(a["ApeID"] for a in upper.apes[1]) == sorted([GATE, CAM2])
    time.sleep(1.0)  # some 20 rounds of the link
    # An unchanged list is not sent again: once per session and once per change (a loaded
    # machine may have lost and opened a session meanwhile; without the check: ~20 a second).
    assert upper.count("apes") <= 1 + upper.count("register")
