"""Heartbeats: the board of boxes, offline after 90 s of silence as an alert, cleared on return."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from anju_contracts import Heartbeat, format_ts
from anju_gateway.clock import ManualClock
from anju_gateway.edges.enrolment import enrol
from anju_gateway.edges.supervision import check_edges
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def beat(clock: ManualClock, compound: str = "c1", depth: int = 0) -> str:
    return Heartbeat(
        compound_id=compound, ts=clock.now(), uptime_s=10, software_version="t", queue_depth=depth
    ).model_dump_json()


@pytest.fixture
def gw(tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = ManualClock(T0)
    server = GatewayServer(tmp_path / "gw", clock=clock, sla_sweep_seconds=300).start()
    server.add_compound("c1", "p1")
    server.add_compound("c2", "p2")
    server.add_user("o1", "officer", precinct_id="p1")
    server.add_user("o2", "officer", precinct_id="p2")
    server.clock = clock  # type: ignore[attr-defined]
    server.app.state.supervisor.stop()  # these tests run the sweeps themselves, on their clock
    yield server
    server.stop()


def device(gw: GatewayServer) -> httpx.Client:
    token = enrol(gw.db, code=gw.enrol_code("c1"), hostname="box-1", now=T0).token
    return httpx.Client(
        base_url=gw.url,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def test_offline_after_three_missed_beats_and_back(gw: GatewayServer) -> None:
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    box = device(gw)
    assert box.post("/api/v1/edge/heartbeat", content=beat(clock, depth=3)).status_code == 204
    officer = gw.login("o1")
    [row] = officer.get("/api/v1/edges").json()
    assert row["online"] is True and row["queue_depth"] == 3 and row["hostname"] == "box-1"
    assert gw.login("o2").get("/api/v1/edges").json() == []  # another precinct

    clock.advance(seconds=88)
    assert check_edges(gw.db, gw.app.state.hub, gw.settings, clock.now()) == []
    clock.advance(seconds=1)  # within the 90 s window, the next 1 s sweep counted in
    [alert_id] = check_edges(gw.db, gw.app.state.hub, gw.settings, clock.now())
    assert check_edges(gw.db, gw.app.state.hub, gw.settings, clock.now()) == []  # once
    officer = gw.login("o1")
    alert = officer.get(f"/api/v1/alerts/{alert_id}").json()
    assert (alert["kind"], alert["source_kind"], alert["severity"]) == (
        "edge_offline",
        "edge",
        "high",
    )
    assert alert["details"]["silent_s"] == 89
    assert officer.get("/api/v1/edges").json()[0]["online"] is False

    clock.advance(seconds=30)
    assert box.post("/api/v1/edge/heartbeat", content=beat(clock)).status_code == 204
    assert officer.get("/api/v1/edges").json()[0]["online"] is True
    alert = officer.get(f"/api/v1/alerts/{alert_id}").json()
    assert alert["details"]["cleared_at"] == format_ts(clock.now())
    actions = [e["action"] for e in officer.get(f"/api/v1/alerts/{alert_id}/events").json()]
    assert actions == ["received", "cleared"]


def test_heartbeat_for_another_compound_is_refused(gw: GatewayServer) -> None:
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    box = device(gw)
    resp = box.post("/api/v1/edge/heartbeat", content=beat(clock, compound="c2"))
    assert resp.status_code == 403
    resp = httpx.post(f"{gw.url}/api/v1/edge/heartbeat", content=beat(clock))
    assert resp.status_code == 401


def test_real_edge_reports_its_devices(tmp_path: Path, broker, gateway) -> None:  # type: ignore[no-untyped-def]
    from anju_edge.delivery.enrol import write_token
    from anju_sim.devices import SimGate

    cfg = edge_config(
        tmp_path / "edge",
        broker.port,
        gateway.url,
        gateway={"url": gateway.url, "heartbeat_s": 1},
        name="安居示范小区",
    )
    write_token(
        cfg.token_path(),
        enrol(
            gateway.db, code=gateway.enrol_code("c1"), hostname="pi", now=datetime.now(UTC)
        ).token,
    )
    gate = SimGate("127.0.0.1", broker.port, "c1", "g1")
    gate.start()
    service = start_edge(cfg)
    try:
        gateway.add_user("o1", "officer", precinct_id="p1")
        officer = gateway.login("o1")

        def online_gate():  # type: ignore[no-untyped-def]
            rows = officer.get("/api/v1/edges").json()
            devices = rows[0]["devices"] if rows else []
            return rows if devices and devices[0]["state"] == "online" else None

        [row] = wait_until(online_gate, timeout=10, message="a heartbeat with the gate online")
        assert row["online"] is True and row["software_version"] == "0.1.0"
        assert row["devices"][0]["id"] == "g1" and row["disk_free_bytes"] > 0
        # The names of its config travelled with the beat (names, not ids, on every screen).
        assert row["devices"][0]["name"] == "北门" and row["compound_name"] == "安居示范小区"
    finally:
        service.stop()
        gate.stop()


def test_a_box_that_sheds_or_dead_letters_raises_data_loss(gw: GatewayServer) -> None:
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    box = device(gw)
    officer = gw.login("o1")

    def send(shed: int, dead: int) -> None:
        body = Heartbeat(
            compound_id="c1",
            ts=clock.now(),
            uptime_s=10,
            software_version="t",
            queue_depth=0,
            shed_total=shed,
            dead_letters_total=dead,
        ).model_dump_json()
        assert box.post("/api/v1/edge/heartbeat", content=body).status_code == 204
        clock.advance(seconds=30)

    def losses() -> list[tuple[str, int, int]]:
        alerts = officer.get("/api/v1/alerts", params={"kind": "data_loss"}).json()["alerts"]
        return sorted(
            (a["details"]["counter"], a["details"]["increase"], a["details"]["total"])
            for a in alerts
        )

    send(0, 0)
    assert losses() == []
    send(2, 0)  # the quota shed two alerts
    assert losses() == [("shed_total", 2, 2)]
    send(2, 0)  # nothing new
    assert len(losses()) == 1
    send(5, 1)  # both counters grew: one alert per counter, each saying how many more
    assert losses() == [("dead_letters_total", 1, 1), ("shed_total", 2, 2), ("shed_total", 3, 5)]
    [row] = officer.get("/api/v1/edges").json()
    assert (row["shed_total"], row["dead_letters_total"]) == (5, 1)
    send(1, 1)  # the box's data was reset: counted from zero again
    assert ("shed_total", 1, 1) in losses() and len(losses()) == 4
    [alert] = officer.get("/api/v1/alerts", params={"kind": "data_loss", "limit": 1}).json()[
        "alerts"
    ]
    assert (alert["source_kind"], alert["severity"]) == ("edge", "high")
    assert gw.login("o2").get("/api/v1/alerts", params={"kind": "data_loss"}).json()["alerts"] == []


def test_a_first_heartbeat_with_losses_raises_them(gw: GatewayServer) -> None:
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    box = device(gw)
    body = Heartbeat(
        compound_id="c1",
        ts=clock.now(),
        uptime_s=10,
        software_version="t",
        queue_depth=0,
        dead_letters_total=4,
    ).model_dump_json()
    assert box.post("/api/v1/edge/heartbeat", content=body).status_code == 204
    officer = gw.login("o1")
    [alert] = officer.get("/api/v1/alerts", params={"kind": "data_loss"}).json()["alerts"]
    assert alert["details"] == {"counter": "dead_letters_total", "increase": 4, "total": 4}


def sweep_until_alerted(gw: GatewayServer, clock: ManualClock, *, limit_s: float) -> float:
    """Sweep as the app's supervisor does (its interval, plus 50 ms for the round itself) until
    an alert; returns the seconds since the start."""
    start = clock.now()
    interval = gw.app.state.supervisor.idle_s + 0.05
    while (clock.now() - start).total_seconds() <= limit_s:
        clock.advance(seconds=interval)
        if check_edges(gw.db, gw.app.state.hub, gw.settings, clock.now()):
            return (clock.now() - start).total_seconds()
    raise AssertionError(f"no alert within {limit_s} s")


@pytest.mark.parametrize("phase_s", [0.0, 0.3, 0.7, 0.99])
def test_a_box_killed_right_after_a_beat_is_alerted_within_90s_sweep_included(
    gw: GatewayServer, phase_s: float
) -> None:
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    assert gw.app.state.supervisor.idle_s == gw.settings.edge_sweep_s == 1.0
    box = device(gw)
    clock.advance(seconds=phase_s)  # where the beat falls between two sweeps
    assert box.post("/api/v1/edge/heartbeat", content=beat(clock)).status_code == 204
    took = sweep_until_alerted(gw, clock, limit_s=120)
    assert 85 <= took <= 90, took  # never after the window; not before two beats are missed


def test_a_box_enrolled_but_never_heard_from_is_alerted_from_its_enrolment(
    gw: GatewayServer,
) -> None:
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    box = device(gw)  # enrolled at T0, never beats
    took = sweep_until_alerted(gw, clock, limit_s=120)
    assert 85 <= took <= 90, took
    officer = gw.login("o1")
    [alert] = officer.get("/api/v1/alerts", params={"kind": "edge_offline"}).json()["alerts"]
    assert alert["details"]["last_heartbeat"] is None
    assert alert["details"]["enrolled_at"] == format_ts(T0)
    [row] = officer.get("/api/v1/edges").json()
    assert row["online"] is False and row["last_heartbeat_at"] is None
    assert check_edges(gw.db, gw.app.state.hub, gw.settings, clock.now()) == []  # once

    assert box.post("/api/v1/edge/heartbeat", content=beat(clock)).status_code == 204
    [row] = officer.get("/api/v1/edges").json()
    assert row["online"] is True
    cleared = officer.get(f"/api/v1/alerts/{alert['id']}").json()
    assert cleared["details"]["cleared_at"] == format_ts(clock.now())


def test_silence_while_the_gateway_was_down_is_not_the_box_s(gw: GatewayServer) -> None:
    clock: ManualClock = gw.clock  # type: ignore[attr-defined]
    box = device(gw)
    assert box.post("/api/v1/edge/heartbeat", content=beat(clock)).status_code == 204
    clock.advance(hours=1)  # the gateway was down for an hour, and has just started again
    restarted = clock.now()
    hub, settings = gw.app.state.hub, gw.settings
    assert check_edges(gw.db, hub, settings, clock.now(), watching_since=restarted) == []
    clock.advance(seconds=60)  # the box beats again after the restart: never alerted
    assert box.post("/api/v1/edge/heartbeat", content=beat(clock)).status_code == 204
    clock.advance(seconds=30)
    assert check_edges(gw.db, hub, settings, clock.now(), watching_since=restarted) == []
    # A box that stays silent is alerted once the gateway has watched for the window.
    clock.advance(seconds=89)
    assert len(check_edges(gw.db, hub, settings, clock.now(), watching_since=restarted)) == 1
