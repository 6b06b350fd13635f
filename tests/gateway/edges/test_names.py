"""Names, not ids: the names a box's config gives its compound, gates, cameras and zones travel
in its heartbeat, and the alert API, the live feed and the device board show them beside the
ids."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest
from ulid import ULID

from anju_contracts import DeviceHealth, Heartbeat, format_ts, utcnow
from anju_edge.delivery.heartbeat import named
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer, edge_config, heartbeat_sender


@pytest.fixture
def gw(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = GatewayServer(tmp_path / "gw").start()
    server.add_compound("c1", "p1")
    server.add_user("o1", "officer", precinct_id="p1")
    yield server
    server.stop()


def box(gw: GatewayServer, hostname: str = "vm") -> httpx.Client:
    token = enrol(gw.db, code=gw.enrol_code("c1"), hostname=hostname, now=utcnow()).token
    return httpx.Client(
        base_url=gw.url,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def named_beat() -> str:
    return Heartbeat(
        compound_id="c1",
        compound_name="安居示范小区",
        ts=utcnow(),
        uptime_s=10,
        software_version="t",
        queue_depth=0,
        devices=[
            DeviceHealth(kind="gate", id="north-gate", state="online", name="北门"),
            DeviceHealth(
                kind="camera",
                id="perimeter-east",
                state="online",
                name="东侧围墙",
                zones={"east-fence": "东墙内侧"},
            ),
        ],
    ).model_dump_json()


def post_alert(client: httpx.Client, source_kind: str, source_id: str, zone: str | None) -> str:
    alert_id = str(ULID())
    alert = {
        "id": alert_id,
        "compound_id": "c1",
        "source_kind": source_kind,
        "source_id": source_id,
        "kind": "intrusion" if source_kind == "camera" else "door_forced",
        "severity": "critical",
        "ts": format_ts(utcnow()),
        "zone": zone,
        "objects": [],
        "details": {},
    }
    resp = client.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [alert]})
    assert resp.status_code == 200, resp.text
    return alert_id


def test_names_from_the_heartbeat_show_in_the_alert_api(gw: GatewayServer) -> None:
    edge = box(gw)
    # Before any named beat: the gateway's own compound name, no source or zone names.
    early = post_alert(edge, "gate", "north-gate", None)
    officer = gw.login("o1")
    row = officer.get(f"/api/v1/alerts/{early}").json()
    assert (row["compound_name"], row["source_name"], row["zone_name"]) == ("c1", None, None)

    assert edge.post("/api/v1/edge/heartbeat", content=named_beat()).status_code == 204
    camera = post_alert(edge, "camera", "perimeter-east", "east-fence")
    detail = officer.get(f"/api/v1/alerts/{camera}").json()
    assert detail["compound_name"] == "安居示范小区"
    assert detail["source_name"] == "东侧围墙" and detail["zone_name"] == "东墙内侧"
    assert (detail["compound_id"], detail["source_id"], detail["zone"]) == (
        "c1",
        "perimeter-east",
        "east-fence",
    )  # ids stay
    listed = {a["id"]: a for a in officer.get("/api/v1/alerts").json()["alerts"]}
    # Names are looked up at reading, so the alert raised before the beat is named now too.
    assert listed[early]["source_name"] == "北门"
    assert listed[early]["compound_name"] == "安居示范小区"
    assert listed[camera]["zone_name"] == "东墙内侧"

    # An old box's heartbeat (no names at all) still parses, and forgets no name.
    old = {
        "v": 1,
        "compound_id": "c1",
        "ts": format_ts(utcnow()),
        "uptime_s": 5,
        "software_version": "0.0.9",
        "queue_depth": 0,
        "devices": [{"kind": "gate", "id": "north-gate", "state": "online"}],
    }
    assert edge.post("/api/v1/edge/heartbeat", content=json.dumps(old)).status_code == 204
    assert officer.get(f"/api/v1/alerts/{early}").json()["source_name"] == "北门"


def test_the_live_feed_and_the_board_carry_names(gw: GatewayServer) -> None:
    first, second = box(gw, "vm"), box(gw, "vm")  # two boxes with the same hostname
    assert first.post("/api/v1/edge/heartbeat", content=named_beat()).status_code == 204
    officer = gw.login("o1")
    feed: list[dict] = []  # type: ignore[type-arg]
    ready = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=gw.url, headers=officer.headers, timeout=30) as c,
            c.stream("GET", "/api/v1/live") as resp,
        ):
            name = None
            for line in resp.iter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    if name == "hello":
                        ready.set()
                    elif name == "alert.new":
                        feed.append(json.loads(line[6:]))
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert ready.wait(10)
    alert_id = post_alert(second, "camera", "perimeter-east", "east-fence")
    listener.join(10)
    [new] = feed
    assert new["id"] == alert_id
    assert (new["compound_name"], new["source_name"], new["zone_name"]) == (
        "安居示范小区",
        "东侧围墙",
        "东墙内侧",
    )

    boxes = officer.get("/api/v1/edges").json()
    # Told apart by compound and number, not by their hostnames (both "vm").
    assert sorted((b["compound_name"], b["number"]) for b in boxes) == [
        ("安居示范小区", 1),
        ("安居示范小区", 2),
    ]
    named_box = next(b for b in boxes if b["devices"])
    assert {d["id"]: d["name"] for d in named_box["devices"]} == {
        "north-gate": "北门",
        "perimeter-east": "东侧围墙",
    }


def test_the_edge_sends_the_names_of_its_config(tmp_path: Path) -> None:
    config = edge_config(
        tmp_path,
        1883,
        "http://127.0.0.1:1",
        name="安居示范小区",
        gates=[{"id": "north-gate", "name": "北门"}, {"id": "back-gate"}],
        cameras=[
            {
                "id": "perimeter-east",
                "name": "东侧围墙",
                "zones": [
                    {"id": "east-fence", "name": "东墙内侧", "polygon": [[0, 0], [1, 0], [1, 1]]},
                    {"id": "unnamed", "polygon": [[0, 0], [1, 0], [1, 1]]},
                ],
            }
        ],
    )
    devices = named(
        config,
        [
            DeviceHealth(kind="gate", id="north-gate", state="online"),
            DeviceHealth(kind="gate", id="back-gate", state="online"),
            DeviceHealth(kind="camera", id="perimeter-east", state="offline"),
        ],
    )
    assert [(d.id, d.name, d.zones) for d in devices] == [
        ("north-gate", "北门", {}),
        ("back-gate", "", {}),
        ("perimeter-east", "东侧围墙", {"east-fence": "东墙内侧"}),
    ]


def test_names_ride_on_the_first_beat_then_hourly(gw: GatewayServer, tmp_path: Path) -> None:
    from anju_edge.delivery import heartbeat

    config = edge_config(tmp_path / "edge", 1883, gw.url, name="安居示范小区")  # gate g1: 北门
    sender = heartbeat_sender(gw, config)
    bodies: list[dict] = []  # type: ignore[type-arg]

    def keep(request: httpx.Request) -> None:
        bodies.append(json.loads(request.content))

    with httpx.Client(base_url=gw.url, event_hooks={"request": [keep]}) as client:
        assert sender.send_once(client) and sender.send_once(client)
        assert sender.names_sent_at is not None
        sender.names_sent_at -= heartbeat.NAMES_EVERY_S  # an hour later
        assert sender.send_once(client)
        assert sender.send_once(client)  # and a plain beat again: the board still says 北门
    first, second, later, plain = bodies
    assert first["compound_name"] == "安居示范小区" and first["devices"][0]["name"] == "北门"
    # In between: the beat as boxes sent it before names (an old gateway still takes it).
    assert "compound_name" not in second
    assert all("name" not in d and "zones" not in d for d in second["devices"])
    assert later["compound_name"] == "安居示范小区"
    assert "compound_name" not in plain
    [box] = gw.login("o1").get("/api/v1/edges").json()
    assert box["compound_name"] == "安居示范小区"
    assert [(d["id"], d["name"]) for d in box["devices"]] == [("g1", "北门")]
