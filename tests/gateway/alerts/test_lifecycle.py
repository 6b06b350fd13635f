"""The alert lifecycle over HTTP: legal and illegal transitions, idempotent repeats, audit,
SLA breaches with a manual clock, the live feed, and who may do what."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from ulid import ULID

from anju_contracts import format_ts
from anju_gateway.alerts.sla import check_sla
from anju_gateway.clock import ManualClock
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer, wait_until

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def gw(tmp_path: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    server = GatewayServer(tmp_path / "gw", clock=clock, sla_sweep_seconds=300).start()
    # Hours pass on this clock and the posting box never beats: not what these tests are about.
    server.app.state.supervisor.stop()
    server.add_compound("c1", "p1")
    server.add_compound("c2", "p2")
    server.add_user("officer1", "officer", precinct_id="p1")
    server.add_user("officer2", "officer", precinct_id="p2")
    server.add_user("chief", "supervisor", precinct_id="p1")
    server.add_user("pm1", "property_manager", compound_id="c1")
    server.add_user("inst", "installer")
    yield server
    server.stop()


def post_alert(
    gw: GatewayServer, compound: str = "c1", severity: str = "critical", kind: str = "door_forced"
) -> str:
    token = enrol(gw.db, code=gw.enrol_code(compound), hostname="t", now=T0).token
    alert_id = str(ULID())
    body = {
        "v": 1,
        "alerts": [
            {
                "id": alert_id,
                "compound_id": compound,
                "source_kind": "gate",
                "source_id": "g1",
                "kind": kind,
                "severity": severity,
                "ts": format_ts(T0),
            }
        ],
    }
    resp = httpx.post(
        f"{gw.url}/api/v1/edge/alerts", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 200, resp.text
    return alert_id


def test_full_lifecycle_with_audit(gw: GatewayServer, clock: ManualClock) -> None:
    alert_id = post_alert(gw)
    officer = gw.login("officer1")
    detail = officer.get(f"/api/v1/alerts/{alert_id}").json()
    assert detail["state"] == "new"
    assert detail["extra"]["ack_due_at"] == format_ts(T0 + timedelta(minutes=1))
    assert detail["extra"]["close_due_at"] == format_ts(T0 + timedelta(hours=24))

    clock.advance(seconds=40)
    r = officer.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": "收到"})
    assert r.json() == {"id": alert_id, "state": "acknowledged", "changed": True}
    again = officer.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={})
    assert again.status_code == 200 and again.json()["changed"] is False
    clock.advance(minutes=2)
    assert (
        officer.post(
            f"/api/v1/alerts/{alert_id}/dispatch", json={"note": "派警", "target": "巡逻一组"}
        ).status_code
        == 200
    )
    clock.advance(minutes=20)
    r = officer.post(
        f"/api/v1/alerts/{alert_id}/resolve", json={"resolution": "handled", "note": "门锁已修复"}
    )
    assert r.json()["state"] == "resolved"

    detail = officer.get(f"/api/v1/alerts/{alert_id}").json()
    extra = detail["extra"]
    assert detail["state"] == "resolved" and extra["owner"] == "officer1"
    assert extra["acknowledged_at"] == format_ts(T0 + timedelta(seconds=40))
    assert extra["closed_at"] == format_ts(T0 + timedelta(minutes=22, seconds=40))
    assert extra["resolution"] == "handled" and extra["ack_breached_at"] is None
    events = officer.get(f"/api/v1/alerts/{alert_id}/events").json()
    assert [(e["action"], e["from_state"], e["to_state"], e["actor"]) for e in events] == [
        ("received", None, "new", "gate:g1"),  # 接警: what raised it
        ("acknowledge", "new", "acknowledged", "officer1"),
        ("dispatch", "acknowledged", "dispatched", "officer1"),
        ("resolve", "dispatched", "resolved", "officer1"),
    ]
    assert events[0]["at"] == format_ts(T0) and events[0]["note"].startswith("接警：门禁 g1")
    assert events[3]["note"] == "[handled] 门锁已修复"


@pytest.mark.parametrize(
    "path,action,body",
    [
        ([], "dispatch", {"target": "巡逻一组"}),
        ([], "resolve", {"resolution": "handled"}),
        ([], "reopen", {}),
        (["acknowledge"], "acknowledge_then_reopen", {}),
        (["false-alarm"], "dispatch", {"target": "巡逻一组"}),
        (["false-alarm"], "acknowledge", {}),
    ],
)
def test_illegal_transitions_are_409(
    gw: GatewayServer, path: list[str], action: str, body: dict
) -> None:  # type: ignore[type-arg]
    alert_id = post_alert(gw)
    officer, chief = gw.login("officer1"), gw.login("chief")
    for step in path:
        assert officer.post(f"/api/v1/alerts/{alert_id}/{step}", json={}).status_code == 200
    who = chief if action.endswith("reopen") or action == "reopen" else officer
    name = "reopen" if action.endswith("reopen") else action
    r = who.post(f"/api/v1/alerts/{alert_id}/{name}", json=body)
    assert r.status_code == 409, r.text
    assert "cannot" in r.json()["detail"]


def test_false_alarm_and_supervisor_reopen(gw: GatewayServer) -> None:
    alert_id = post_alert(gw)
    officer, chief = gw.login("officer1"), gw.login("chief")
    r = officer.post(
        f"/api/v1/alerts/{alert_id}/false-alarm",
        json={"resolution": "resident", "note": "住户忘带卡"},
    )
    assert r.json()["state"] == "false_alarm"
    assert officer.post(f"/api/v1/alerts/{alert_id}/reopen", json={}).status_code == 403
    r = chief.post(f"/api/v1/alerts/{alert_id}/reopen", json={"note": "监控显示可疑"})
    assert r.json()["state"] == "acknowledged"
    extra = chief.get(f"/api/v1/alerts/{alert_id}").json()["extra"]
    assert extra["owner"] == "chief" and extra["closed_at"] is None


def test_resolution_is_required_and_checked(gw: GatewayServer) -> None:
    alert_id = post_alert(gw)
    officer = gw.login("officer1")
    officer.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={})
    assert officer.post(f"/api/v1/alerts/{alert_id}/resolve", json={}).status_code == 422
    bad = officer.post(f"/api/v1/alerts/{alert_id}/resolve", json={"resolution": "resident"})
    assert bad.status_code == 422
    extra = officer.post(
        f"/api/v1/alerts/{alert_id}/resolve", json={"resolution": "handled", "colour": "red"}
    )
    assert extra.status_code == 422  # unknown fields are refused


def test_who_may_act(gw: GatewayServer) -> None:
    alert_id = post_alert(gw)
    for user, code in (("pm1", 403), ("inst", 403), ("officer2", 404)):
        r = gw.login(user).post(f"/api/v1/alerts/{alert_id}/acknowledge", json={})
        assert r.status_code == code, (user, r.text)


def test_sla_breach_escalates_on_the_live_feed(gw: GatewayServer, clock: ManualClock) -> None:
    critical = post_alert(gw, severity="critical")
    normal = post_alert(gw, severity="normal")
    chief = gw.login("chief")
    events: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    ready = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=gw.url, headers=chief.headers, timeout=30) as c,
            c.stream("GET", "/api/v1/live") as resp,
        ):
            name = None
            for line in resp.iter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    if name == "hello":
                        ready.set()
                    else:
                        events.append((name or "", data))
                    if name == "alert.escalated" and len(events) >= 2:
                        return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    assert ready.wait(10)
    clock.advance(seconds=61)
    assert check_sla(gw.db, gw.app.state.hub, clock.now()) == [(critical, "ack")]
    assert check_sla(gw.db, gw.app.state.hub, clock.now()) == []  # flagged once
    clock.advance(minutes=5)
    assert check_sla(gw.db, gw.app.state.hub, clock.now()) == [(normal, "ack")]
    t.join(10)
    escalated = [d for n, d in events if n == "alert.escalated"]
    assert [(d["id"], d["clock"]) for d in escalated] == [(critical, "ack"), (normal, "ack")]
    officer = gw.login("officer1")
    officer.post(f"/api/v1/alerts/{critical}/acknowledge", json={})
    clock.advance(hours=24)
    flagged = check_sla(gw.db, gw.app.state.hub, clock.now())
    assert sorted(flagged) == sorted([(critical, "close"), (normal, "close")])
    officer = gw.login("officer1")  # a day later the morning's session has expired
    extra = officer.get(f"/api/v1/alerts/{critical}").json()["extra"]
    assert extra["ack_breached_at"] == format_ts(T0 + timedelta(seconds=61))
    assert extra["close_breached_at"] is not None
    audit = [e["action"] for e in officer.get(f"/api/v1/alerts/{critical}/events").json()]
    assert audit == ["received", "ack_breached", "acknowledge", "close_breached"]


def test_sweeper_runs_by_itself(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    server = GatewayServer(tmp_path / "gw2", clock=clock, sla_sweep_seconds=0.1).start()
    try:
        server.add_compound("c1", "p1")
        alert_id = post_alert(server)
        clock.advance(minutes=2)
        row = wait_until(
            lambda: (
                server.db.conn()
                .execute("SELECT ack_breached_at FROM alerts WHERE id = ?", (alert_id,))
                .fetchone()[0]
            ),
            timeout=5,
            message="the sweeper's flag",
        )
        assert row == format_ts(T0 + timedelta(minutes=2))
    finally:
        server.stop()
