"""Who handles which alert (分类处置) over HTTP: the defaults and a precinct's overrides, the
handler decided at ingest and kept on the alert, police clocks only on police alerts, the
property's own clocks worked by the gate console's actions, a guard's action on a police alert
recorded without touching the police, gate times that never make a duration negative, and the
SLA outcome kept after closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ulid import ULID

from anju_contracts import AlertKind, format_ts
from anju_gateway.alerts.routing import DEFAULT_ROUTES, Handler
from anju_gateway.alerts.sla import check_sla
from anju_gateway.clock import ManualClock
from anju_gateway.edges.enrolment import enrol
from anju_gateway.events import Event, EventHub
from tests.support.servers import GatewayServer

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def gw(tmp_path: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    server = GatewayServer(tmp_path / "gw", clock=clock, sla_sweep_seconds=300).start()
    server.app.state.supervisor.stop()  # hours pass and no box beats: not these tests' subject
    server.add_compound("c1", "p1")
    server.add_compound("c2", "p2")
    server.add_user("admin", "admin")
    server.add_user("officer1", "officer", precinct_id="p1")
    server.add_user("officer2", "officer", precinct_id="p2")
    server.add_user("chief", "supervisor", precinct_id="p1")
    server.add_user("pm1", "property_manager", compound_id="c1")
    yield server
    server.stop()


class Box:
    """An enrolled edge box of one compound, posting alerts and gate actions."""

    def __init__(self, gw: GatewayServer, compound: str = "c1") -> None:
        self.gw, self.compound = gw, compound
        token = enrol(gw.db, code=gw.enrol_code(compound), hostname="t", now=T0).token
        self.headers = {"Authorization": f"Bearer {token}"}

    def alert(self, kind: str, severity: str = "high", ts: datetime = T0) -> str:
        alert_id = str(ULID())
        alert = {"id": alert_id, "compound_id": self.compound, "source_kind": "gate",
                 "source_id": "g1", "kind": kind, "severity": severity,
                 "ts": format_ts(ts)}  # fmt: skip
        r = httpx.post(f"{self.gw.url}/api/v1/edge/alerts", headers=self.headers,
                       json={"v": 1, "alerts": [alert]})  # fmt: skip
        assert r.status_code == 200, r.text
        return alert_id

    def act(self, alert_id: str, action: str, ts: datetime, note: str = "",
            action_id: str | None = None) -> httpx.Response:  # fmt: skip
        body = {"v": 1, "action_id": action_id or str(ULID()), "alert_id": alert_id,
                "action": action, "actor": "guard", "note": note, "ts": format_ts(ts)}  # fmt: skip
        return httpx.post(f"{self.gw.url}/api/v1/edge/alert-actions", headers=self.headers,
                          json=body)  # fmt: skip


class RecordingHub(EventHub):
    """Keeps what is published, to see which live-feed events a sweep sends."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)


def events(client: httpx.Client, alert_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = client.get(f"/api/v1/alerts/{alert_id}/events").json()
    return out


def test_every_alert_kind_has_a_default_handler() -> None:
    assert set(DEFAULT_ROUTES) == set(AlertKind)
    expected = {
        "door_forced": "police", "intrusion": "police", "watchlist": "police", "tamper": "police",
        "door_held_open": "property", "fire_lane": "property", "ebike_indoor": "property",
        "device_offline": "property", "crowd": "both",
    }  # fmt: skip
    assert {k: DEFAULT_ROUTES[AlertKind(k)].value for k in expected} == expected


def test_routing_api_defaults_overrides_and_who_may(gw: GatewayServer) -> None:
    officer, admin = gw.login("officer1"), gw.login("admin")
    policy = officer.get("/api/v1/precincts/p1/routing").json()
    assert policy["routes"]["door_held_open"] == "property" and policy["overrides"] == {}
    assert policy["raise_at"] == "critical" and policy["updated_by"] is None
    assert set(policy["routes"]) == {k.value for k in AlertKind}
    # Scoped: another precinct's policy is not there for this officer; property staff: no.
    assert gw.login("officer2").get("/api/v1/precincts/p1/routing").status_code == 404
    assert gw.login("pm1").get("/api/v1/precincts/p1/routing").status_code == 403
    assert gw.login("chief").get("/api/v1/precincts/p1/routing").status_code == 200
    body = {"routes": {"door_held_open": "police", "crowd": "property"}, "raise_at": None}
    assert officer.put("/api/v1/precincts/p1/routing", json=body).status_code == 403
    assert gw.login("chief").put("/api/v1/precincts/p1/routing", json=body).status_code == 403
    r = admin.put("/api/v1/precincts/p1/routing", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["overrides"] == {"door_held_open": "police", "crowd": "property"}
    assert r.json()["raise_at"] is None and r.json()["updated_by"] == "admin"
    assert officer.get("/api/v1/precincts/p1/routing").json()["routes"]["crowd"] == "property"
    # p2 keeps the defaults; refusals of bad input and unknown precincts.
    assert admin.get("/api/v1/precincts/p2/routing").json()["routes"]["crowd"] == "both"
    bad = admin.put("/api/v1/precincts/p1/routing", json={"routes": {"door_held_open": "fire"}})
    assert bad.status_code == 422
    bad = admin.put("/api/v1/precincts/p1/routing", json={"routes": {"no_such_kind": "police"}})
    assert bad.status_code == 422
    assert admin.get("/api/v1/precincts/nowhere/routing").status_code == 404
    assert admin.put("/api/v1/precincts/nowhere/routing", json={}).status_code == 404
    # PUT replaces: kinds left out return to their default, raise_at to critical.
    again = admin.put("/api/v1/precincts/p1/routing", json={"routes": {"loitering": "both"}})
    assert again.json()["overrides"] == {"loitering": "both"}
    assert again.json()["routes"]["door_held_open"] == "property"
    assert again.json()["raise_at"] == "critical"


def test_handler_is_decided_at_ingest_with_its_clocks(gw: GatewayServer) -> None:
    box, officer = Box(gw), gw.login("officer1")
    held = box.alert("door_held_open", "high")
    raised = box.alert("door_held_open", "critical")  # severity raises it to the police
    crowd = box.alert("crowd", "normal")
    forced = box.alert("door_forced", "critical")

    def view(alert_id: str) -> dict[str, Any]:
        out: dict[str, Any] = officer.get(f"/api/v1/alerts/{alert_id}").json()
        return out

    a = view(held)
    assert a["handler"] == "property"
    assert a["extra"]["ack_due_at"] is None and a["extra"]["close_due_at"] is None
    assert a["extra"]["property_ack_due_at"] == format_ts(T0 + timedelta(minutes=10))
    assert a["extra"]["property_close_due_at"] == format_ts(T0 + timedelta(hours=24))
    assert [c["clock"] for c in a["sla"]] == ["property_ack", "property_close"]
    assert view(raised)["handler"] == "police"
    c = view(crowd)
    assert c["handler"] == "both"
    assert c["extra"]["ack_due_at"] == format_ts(T0 + timedelta(minutes=5))
    assert c["extra"]["property_ack_due_at"] == format_ts(T0 + timedelta(minutes=10))
    f = view(forced)
    assert f["handler"] == "police" and f["extra"]["property_ack_due_at"] is None
    first = events(officer, held)[0]
    assert (first["action"], first["actor"], first["to_state"]) == ("received", "gate:g1", "new")
    assert "物业处置" in first["note"]
    listed = officer.get("/api/v1/alerts", params={"handler": "property"}).json()["alerts"]
    assert [x["id"] for x in listed] == [held]

    # An override applies to alerts received after it; earlier ones keep their handler.
    gw.login("admin").put("/api/v1/precincts/p1/routing",
                          json={"routes": {"door_held_open": "police"}})  # fmt: skip
    later = box.alert("door_held_open", "high")
    assert view(later)["handler"] == "police" and view(held)["handler"] == "property"
    # Another precinct's compound is routed by its own (default) policy.
    other = Box(gw, "c2").alert("door_held_open", "high")
    assert gw.login("officer2").get(f"/api/v1/alerts/{other}").json()["handler"] == "property"


def test_police_clocks_only_on_police_alerts(gw: GatewayServer, clock: ManualClock) -> None:
    box, officer = Box(gw), gw.login("officer1")
    held = box.alert("door_held_open", "normal")
    forced = box.alert("door_forced", "normal")
    hub = RecordingHub()
    clock.advance(minutes=6)
    assert check_sla(gw.db, hub, clock.now()) == [(forced, "ack")]
    clock.advance(minutes=5)
    assert check_sla(gw.db, hub, clock.now()) == [(held, "property_ack")]
    # Only the police's breach escalates to the supervisor; the property's is an update.
    assert [(e.type, e.data["id"], e.data.get("action")) for e in hub.events] == [
        ("alert.escalated", forced, None),
        ("alert.updated", held, "property_ack_breached"),
    ]
    # Officers read a property alert and may add a note; the gate works it.
    r = officer.post(f"/api/v1/alerts/{held}/acknowledge", json={})
    assert r.status_code == 409 and "物业" in r.json()["detail"]
    assert officer.post(f"/api/v1/alerts/{held}/false-alarm", json={}).status_code == 409
    assert officer.post(f"/api/v1/alerts/{held}/note", json={"note": "已知悉"}).status_code == 200
    actions = [e["action"] for e in events(officer, held)]
    assert actions == ["received", "property_ack_breached", "note"]
    assert officer.get(f"/api/v1/alerts/{held}").json()["state"] == "new"


def test_gate_works_a_property_alert(gw: GatewayServer, clock: ManualClock) -> None:
    box, officer = Box(gw), gw.login("officer1")
    held = box.alert("door_held_open", "high")
    clock.advance(minutes=4)
    assert box.act(held, "acknowledge", clock.now(), "保安已到场").status_code == 204
    a = officer.get(f"/api/v1/alerts/{held}").json()
    assert a["state"] == "acknowledged"
    assert a["extra"]["property_owner"] == "c1:guard" and a["extra"]["owner"] is None
    assert a["extra"]["property_acknowledged_at"] == format_ts(T0 + timedelta(minutes=4))
    assert a["extra"]["acknowledged_at"] is None  # not a police acknowledgement
    # A second acknowledgement is recorded (物业到场), not dropped.
    clock.advance(minutes=1)
    assert box.act(held, "acknowledge", clock.now(), "再次确认").status_code == 204
    clock.advance(minutes=30)
    assert box.act(held, "close", clock.now(), "门已关好").status_code == 204
    a = officer.get(f"/api/v1/alerts/{held}").json()
    assert a["state"] == "resolved" and a["extra"]["resolution"] == "handled"
    assert a["extra"]["property_closed_at"] == format_ts(T0 + timedelta(minutes=35))
    assert [(c["clock"], c["label"]) for c in a["sla"]] == [
        ("property_ack", "物业按时签收"),
        ("property_close", "物业按时销号"),
    ]
    trail = [(e["action"], e["actor"], e["to_state"], e["note"]) for e in events(officer, held)]
    assert trail[1:] == [
        ("property_acknowledge", "c1:guard", "acknowledged", "保安已到场"),
        ("property_arrived", "c1:guard", None, "再次确认"),
        ("property_close", "c1:guard", "resolved", "门已关好"),
    ]
    clock.advance(hours=30)
    assert check_sla(gw.db, gw.app.state.hub, clock.now()) == []  # the property's clocks stopped
    officer = gw.login("officer1")  # the morning's session has expired
    report = officer.get("/api/v1/reports/daily", params={"date": "2026-11-23"}).json()
    assert (report["total"], report["closed"], report["closed_in_time"]) == (1, 1, 1)
    assert report["median_ack_minutes"] is None  # a guard's acknowledgement is not the police's
    assert report["median_property_ack_minutes"] == 4.0
    assert [(g["key"], g["total"]) for g in report["by_handler"]] == [("property", 1)]


def test_gate_acknowledgement_of_an_acknowledged_police_alert_is_recorded(
    gw: GatewayServer, clock: ManualClock
) -> None:
    box, officer = Box(gw), gw.login("officer1")
    forced = box.alert("door_forced", "critical")
    clock.advance(seconds=30)
    officer.post(f"/api/v1/alerts/{forced}/acknowledge", json={"note": "收到"})
    before = officer.get(f"/api/v1/alerts/{forced}").json()
    clock.advance(seconds=30)
    r = box.act(forced, "acknowledge", clock.now(), "保安已到北门")
    assert r.status_code == 204
    after = officer.get(f"/api/v1/alerts/{forced}").json()
    # The police's state, owner and clocks are untouched...
    for key in ("owner", "acknowledged_at", "ack_due_at", "close_due_at", "ack_breached_at"):
        assert after["extra"][key] == before["extra"][key], key
    assert after["state"] == "acknowledged" and after["extra"]["owner"] == "officer1"
    # ...and the guard's word is in the history with who and when: 物业到场.
    last = events(officer, forced)[-1]
    assert (last["action"], last["actor"], last["at"], last["note"]) == (
        "property_arrived", "c1:guard", format_ts(T0 + timedelta(minutes=1)), "保安已到北门",
    )  # fmt: skip
    # A note and a close from the gate are notes too; the police close it themselves.
    assert box.act(forced, "note", clock.now(), "现场无人").status_code == 204
    assert box.act(forced, "close", clock.now()).status_code == 204
    assert officer.get(f"/api/v1/alerts/{forced}").json()["state"] == "acknowledged"
    assert [e["action"] for e in events(officer, forced)][-2:] == ["property_note"] * 2


def test_gate_acknowledgement_of_a_new_police_alert_does_not_stop_its_clock(
    gw: GatewayServer, clock: ManualClock
) -> None:
    box, officer = Box(gw), gw.login("officer1")
    forced = box.alert("door_forced", "critical")
    clock.advance(seconds=20)
    assert box.act(forced, "acknowledge", clock.now(), "保安已到场").status_code == 204
    a = officer.get(f"/api/v1/alerts/{forced}").json()
    assert a["state"] == "new" and a["extra"]["owner"] is None
    clock.advance(seconds=50)
    assert check_sla(gw.db, gw.app.state.hub, clock.now()) == [(forced, "ack")]


def test_a_resent_action_is_applied_once(gw: GatewayServer, clock: ManualClock) -> None:
    box, officer = Box(gw), gw.login("officer1")
    held = box.alert("fire_lane", "normal")
    action_id = str(ULID())
    for _ in range(3):
        assert box.act(held, "acknowledge", clock.now(), "到场", action_id).status_code == 204
    assert [e["action"] for e in events(officer, held)] == ["received", "property_acknowledge"]


def test_offline_gate_action_never_predates_the_receipt(
    gw: GatewayServer, clock: ManualClock
) -> None:
    """A guard acknowledges while the uplink is down: the alert and the action reach the
    gateway later, the action's gate time is before the alert's receipt. Counted at the
    receipt: 0 minutes, never negative."""
    box, officer = Box(gw), gw.login("officer1")
    gate_time = T0 - timedelta(minutes=7)
    clock.advance(minutes=1)
    held = box.alert("ebike_indoor", "high", ts=gate_time - timedelta(minutes=1))
    crowd = box.alert("crowd", "normal", ts=gate_time - timedelta(minutes=1))
    received = format_ts(clock.now())
    clock.advance(seconds=5)
    for alert_id in (held, crowd):
        assert box.act(alert_id, "acknowledge", gate_time, "离线时签收").status_code == 204
    a = officer.get(f"/api/v1/alerts/{held}").json()
    assert a["extra"]["property_acknowledged_at"] == received
    trail = events(officer, held)[-1]
    assert trail["at"] == received and format_ts(gate_time) in trail["note"]  # both times kept
    # Routed to both: the property's track moves, the police's does not.
    c = officer.get(f"/api/v1/alerts/{crowd}").json()
    assert c["state"] == "new" and c["extra"]["property_acknowledged_at"] == received
    officer.post(f"/api/v1/alerts/{crowd}/acknowledge", json={})
    # A gate clock ahead of the gateway's counts no later than the action's arrival.
    late = box.alert("fire_lane", "normal")
    assert box.act(late, "acknowledge", clock.now() + timedelta(hours=2)).status_code == 204
    assert officer.get(f"/api/v1/alerts/{late}").json()["extra"][
        "property_acknowledged_at"
    ] == format_ts(clock.now())
    report = officer.get("/api/v1/reports/daily", params={"date": "2026-11-23"}).json()
    minutes = [m for line in report["alerts"] for m in (line["ack_minutes"],
               line["property_ack_minutes"]) if m is not None]  # fmt: skip
    assert minutes and min(minutes) >= 0
    assert report["median_property_ack_minutes"] == 0.0


def test_fractional_close_clock_and_the_outcome_kept(tmp_path: Path, clock: ManualClock) -> None:
    gw = GatewayServer(tmp_path / "gw", clock=clock, sla_sweep_seconds=300,
                       sla_close_hours=0.5).start()  # fmt: skip
    try:
        gw.app.state.supervisor.stop()
        gw.add_compound("c1", "p1")
        gw.add_user("officer1", "officer", precinct_id="p1")
        box, officer = Box(gw), gw.login("officer1")
        late = box.alert("intrusion", "high")
        quick = box.alert("intrusion", "high")
        a = officer.get(f"/api/v1/alerts/{late}").json()
        assert a["extra"]["close_due_at"] == format_ts(T0 + timedelta(minutes=30))
        clock.advance(minutes=2)
        officer.post(f"/api/v1/alerts/{quick}/acknowledge", json={})
        officer.post(f"/api/v1/alerts/{quick}/resolve", json={"resolution": "handled"})
        clock.advance(minutes=4)  # 6 minutes: acknowledged 3 minutes after its 3-minute clock
        officer.post(f"/api/v1/alerts/{late}/acknowledge", json={})
        clock.advance(minutes=25)  # 31 minutes: past the half-hour close clock
        flagged = check_sla(gw.db, gw.app.state.hub, clock.now())
        assert flagged == [(late, "close")]  # its ack clock: never swept, still judged late
        report = officer.get("/api/v1/reports/daily", params={"date": "2026-11-23"}).json()
        assert report["clearance_hours"] == 0.5
        assert [(o["id"], o["reason"]) for o in report["overdue"]] == [(late, "open")]
        open_sla = {c["clock"]: c for c in officer.get(f"/api/v1/alerts/{late}").json()["sla"]}
        assert (
            open_sla["close"]["status"] == "overdue" and open_sla["close"]["label"] == "超时未销号"
        )
        clock.advance(minutes=9)
        officer.post(f"/api/v1/alerts/{late}/resolve", json={"resolution": "no_finding"})
        clock.advance(hours=5)  # kept after closing, whatever the time now
        late_sla = [(c["clock"], c["status"], c["minutes_late"], c["label"])
                    for c in officer.get(f"/api/v1/alerts/{late}").json()["sla"]]  # fmt: skip
        assert late_sla == [
            ("ack", "late", 3, "签收超时 3 分"),
            ("close", "late", 10, "销号超时"),
        ]
        quick_sla = [c["label"] for c in officer.get(f"/api/v1/alerts/{quick}").json()["sla"]]
        assert quick_sla == ["按时签收", "按时销号"]
    finally:
        gw.stop()


def test_handler_enum_matches_the_api_words() -> None:
    assert [h.value for h in Handler] == ["police", "property", "both"]


@pytest.mark.parametrize(
    "kind,severity,raise_at,expected",
    [
        ("fire_lane", "high", None, "property"),  # default raise_at: critical
        ("fire_lane", "critical", None, "police"),
        ("fire_lane", "critical", "", "property"),  # never raised
        ("fire_lane", "high", "high", "police"),
        ("crowd", "critical", None, "both"),  # only property alerts are raised
        ("door_forced", "low", None, "police"),
        ("a_kind_from_the_future", "low", None, "police"),
    ],
)
def test_handler_for(kind: str, severity: str, raise_at: str | None, expected: str) -> None:
    from anju_gateway.alerts.routing import effective, handler_for
    from anju_gateway.store.routing import StoredPolicy

    policy = effective(StoredPolicy("p1", raise_at=raise_at))
    assert handler_for(policy, kind, severity) == expected


@pytest.mark.parametrize(
    "handler,state,acked,action,expected",
    [
        ("property", "new", None, "acknowledge", ("property_acknowledge", "acknowledged")),
        ("property", "acknowledged", "t", "acknowledge", ("property_arrived", None)),
        ("property", "acknowledged", "t", "close", ("property_close", "resolved")),
        ("property", "resolved", "t", "close", ("property_note", None)),
        ("both", "new", None, "acknowledge", ("property_acknowledge", None)),
        ("both", "dispatched", None, "close", ("property_close", None)),
        ("both", "resolved", None, "acknowledge", ("property_arrived", None)),
        ("police", "new", None, "acknowledge", ("property_arrived", None)),
        ("police", "acknowledged", None, "close", ("property_note", None)),
        ("police", "new", None, "note", ("property_note", None)),
    ],
)
def test_decide_gate(
    handler: str, state: str, acked: str | None, action: str, expected: tuple[str, str | None]
) -> None:
    from anju_contracts import AlertActionKind
    from anju_gateway.alerts.gate import decide_gate
    from anju_gateway.store.alerts import LifecycleState

    current = LifecycleState("c1", state, format_ts(T0), None, handler, None, acked, None)
    step = decide_gate(current, AlertActionKind(action), actor="c1:g", at="t2", note="")
    assert (step.action, step.to_state) == expected
    police = {"owner", "acknowledged_at", "closed_at", "ack_due_at", "close_due_at"}
    assert not police & set(step.columns)  # a guard never writes the police's columns
    if handler != "property":
        assert "state" not in step.columns
