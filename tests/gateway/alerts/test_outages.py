"""Device-offline noise: one open alert per device and outage kind, repeats counted as
occurrences (exactly once, a resent batch stays a duplicate), 已恢复 when a heartbeat says the
device is online again, and the policy that closes a recovered property alert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ulid import ULID

from anju_contracts import DeviceHealth, Heartbeat, format_ts
from anju_gateway.clock import ManualClock
from anju_gateway.edges.enrolment import enrol
from anju_gateway.edges.supervision import check_edges
from tests.support.servers import GatewayServer

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def start(tmp_path: Path, **settings: Any) -> GatewayServer:
    clock = ManualClock(T0)
    server = GatewayServer(tmp_path / "gw", clock=clock, sla_sweep_seconds=300, **settings)
    server.start()
    server.add_compound("c1", "p1")
    server.add_user("o1", "officer", precinct_id="p1")
    server.clock = clock  # type: ignore[attr-defined]
    server.app.state.supervisor.stop()  # sweeps run by the tests, on their clock
    return server


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    server = start(tmp_path)
    yield server
    server.stop()


def box(gw: GatewayServer) -> httpx.Client:
    token = enrol(gw.db, code=gw.enrol_code("c1"), hostname="box-1", now=T0).token
    return httpx.Client(
        base_url=gw.url,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def outage(ts: datetime, source: str = "cam-east", kind: str = "device_offline") -> dict[str, Any]:
    return {
        "id": str(ULID.from_datetime(ts)),
        "compound_id": "c1",
        "source_kind": "camera",
        "source_id": source,
        "kind": kind,
        "severity": "normal",
        "ts": format_ts(ts),
        "details": {"device_kind": "camera", "state": "offline", "offline_s": 60.0},
    }


def send(client: httpx.Client, *alerts: dict[str, Any]) -> list[str]:
    resp = client.post("/api/v1/edge/alerts", json={"v": 1, "alerts": list(alerts)})
    assert resp.status_code == 200, resp.text
    return [r["status"] for r in resp.json()["receipts"]]


def beat(client: httpx.Client, ts: datetime, state: str = "online") -> None:
    body = Heartbeat(
        compound_id="c1",
        ts=ts,
        uptime_s=60,
        software_version="t",
        queue_depth=0,
        devices=[DeviceHealth(kind="camera", id="cam-east", state=state)],
    ).model_dump_json()
    assert client.post("/api/v1/edge/heartbeat", content=body).status_code == 204


def alerts(officer: httpx.Client) -> list[dict[str, Any]]:
    return list(officer.get("/api/v1/alerts").json()["alerts"])


def actions(officer: httpx.Client, alert_id: str) -> list[str]:
    return [e["action"] for e in officer.get(f"/api/v1/alerts/{alert_id}/events").json()]


def test_repeat_outage_is_an_occurrence_once(gw: GatewayServer) -> None:
    edge = box(gw)
    first, second = outage(T0), outage(T0 + timedelta(minutes=5))
    assert send(edge, first) == ["stored"]
    assert send(edge, second) == ["stored"]  # accepted: the box must not resend it
    assert send(edge, second) == ["duplicate"]  # a resent batch is still a duplicate
    officer = gw.login("o1")
    [row] = alerts(officer)
    assert row["id"] == first["id"]
    assert (row["occurrences"], row["last_ts"]) == (2, second["ts"])
    assert actions(officer, first["id"]) == ["received", "occurrence"]
    events = officer.get(f"/api/v1/alerts/{first['id']}/events").json()
    assert events[1]["note"].startswith("第 2 次发生")
    assert officer.get(f"/api/v1/alerts/{second['id']}").status_code == 404  # no row of its own


def test_two_outages_in_one_batch_and_other_devices_apart(gw: GatewayServer) -> None:
    edge = box(gw)
    batch = [
        outage(T0),
        outage(T0 + timedelta(seconds=1)),
        outage(T0 + timedelta(seconds=2), source="cam-west"),
        outage(T0 + timedelta(seconds=3), kind="never_seen"),
    ]
    intrusions = [dict(outage(T0 + timedelta(seconds=4 + i)), kind="intrusion") for i in range(2)]
    assert send(edge, *batch, *intrusions) == ["stored"] * 6
    rows = alerts(gw.login("o1"))
    assert len(rows) == 5  # the two intrusions are two alerts; only the outage repeat merged
    by_id = {r["id"]: r for r in rows}
    assert by_id[batch[0]["id"]]["occurrences"] == 2
    assert by_id[batch[2]["id"]]["occurrences"] == 1
    assert by_id[batch[3]["id"]]["occurrences"] == 1


def test_closed_outage_lets_a_new_alert_open(gw: GatewayServer) -> None:
    edge = box(gw)
    first = outage(T0)
    send(edge, first)
    with gw.db.write() as conn:  # the gate closed it (物业销号)
        conn.execute("UPDATE alerts SET state = 'resolved' WHERE id = ?", (first["id"],))
    second = outage(T0 + timedelta(minutes=1))
    send(edge, second)
    assert {r["id"] for r in alerts(gw.login("o1"))} == {first["id"], second["id"]}


def test_recovery_says_when_and_a_new_outage_reopens_the_count(gw: GatewayServer) -> None:
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    edge = box(gw)
    first = outage(T0)
    send(edge, first)
    officer = gw.login("o1")
    beat(edge, T0 - timedelta(seconds=5))  # made before the outage (sent late): not a recovery
    assert "cleared_at" not in officer.get(f"/api/v1/alerts/{first['id']}").json()["details"]
    beat(edge, T0 + timedelta(seconds=30), state="offline")
    assert "cleared_at" not in officer.get(f"/api/v1/alerts/{first['id']}").json()["details"]

    clock.advance(seconds=90)
    beat(edge, T0 + timedelta(seconds=90))
    row = officer.get(f"/api/v1/alerts/{first['id']}").json()
    assert row["details"]["cleared_at"] == format_ts(clock.now())
    assert row["state"] == "new"  # still open by default: the gate closes it
    beat(edge, T0 + timedelta(seconds=120))  # recovered once, not at every beat
    assert actions(officer, first["id"]) == ["received", "cleared"]

    send(edge, outage(T0 + timedelta(minutes=10)))  # offline again while open
    row = officer.get(f"/api/v1/alerts/{first['id']}").json()
    assert row["occurrences"] == 2 and "cleared_at" not in row["details"]


def test_policy_closes_a_recovered_property_alert(tmp_path: Path) -> None:
    gw = start(tmp_path, offline_recovery_closes=True)
    try:
        clock: ManualClock = gw.clock  # type: ignore[attr-defined]
        edge = box(gw)
        first = outage(T0)
        send(edge, first)
        officer = gw.login("o1")
        assert officer.get(f"/api/v1/alerts/{first['id']}").json()["handler"] == "property"
        clock.advance(seconds=60)
        beat(edge, T0 + timedelta(seconds=60))
        row = officer.get(f"/api/v1/alerts/{first['id']}").json()
        assert row["state"] == "resolved"
        assert row["extra"]["resolution"] == "handled"
        assert row["extra"]["closed_at"] == row["details"]["cleared_at"] == format_ts(clock.now())
        assert row["extra"]["property_closed_at"] == format_ts(clock.now())
        assert actions(officer, first["id"]) == ["received", "cleared", "resolve"]
        second = outage(T0 + timedelta(minutes=5))
        send(edge, second)  # the closed one is history: a new outage is a new alert
        assert officer.get(f"/api/v1/alerts/{second['id']}").json()["occurrences"] == 1
    finally:
        gw.stop()


def test_policy_leaves_police_routed_outages_open(tmp_path: Path) -> None:
    gw = start(tmp_path, offline_recovery_closes=True)
    try:
        edge = box(gw)
        first = dict(outage(T0), severity="critical")  # critical: raised to the police
        send(edge, first)
        officer = gw.login("o1")
        assert officer.get(f"/api/v1/alerts/{first['id']}").json()["handler"] == "police"
        beat(edge, T0 + timedelta(seconds=60))
        row = officer.get(f"/api/v1/alerts/{first['id']}").json()
        assert row["state"] == "new" and "cleared_at" in row["details"]
    finally:
        gw.stop()


def test_a_box_silent_again_while_its_alert_is_open(gw: GatewayServer) -> None:
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    edge = box(gw)
    beat(edge, clock.now())
    hub, settings = gw.app.state.hub, gw.settings
    clock.advance(seconds=89)
    [alert_id] = check_edges(gw.db, hub, settings, clock.now())
    clock.advance(seconds=30)
    beat(edge, clock.now())  # back: cleared, still open
    clock.advance(seconds=89)
    assert check_edges(gw.db, hub, settings, clock.now()) == [alert_id]
    officer = gw.login("o1")
    row = officer.get(f"/api/v1/alerts/{alert_id}").json()
    assert row["occurrences"] == 2 and "cleared_at" not in row["details"]
    assert [r["kind"] for r in alerts(officer)] == ["edge_offline"]
    clock.advance(seconds=30)
    beat(edge, clock.now())
    assert actions(officer, alert_id) == ["received", "cleared", "occurrence", "cleared"]


def test_a_gate_action_on_a_repeat_goes_to_the_open_alert(gw: GatewayServer) -> None:
    edge = box(gw)
    first, second = outage(T0), outage(T0 + timedelta(minutes=5))
    send(edge, first, second)
    at = format_ts(T0 + timedelta(minutes=6))
    action = {"v": 1, "action_id": str(ULID()), "alert_id": second["id"], "action": "close",
              "actor": "guard", "note": "摄像机已重启", "ts": at}  # fmt: skip
    assert edge.post("/api/v1/edge/alert-actions", json=action).status_code == 204
    row = gw.login("o1").get(f"/api/v1/alerts/{first['id']}").json()
    assert row["state"] == "resolved" and row["extra"]["property_closed_at"]
