"""Dispatch names a target (派警对象): recorded on the alert and in the audit (a dispatch
without one is still taken, as older clients send it); the precinct's officers are listed by
name for the form, scoped like the alerts."""

from __future__ import annotations

from anju_contracts import format_ts, utcnow
from anju_gateway.access.security import hash_password
from anju_gateway.store.users import Role, create_user
from tests.gateway.alerts.test_lifecycle import clock, gw, post_alert  # noqa: F401  (fixtures)
from tests.support.servers import GatewayServer


def test_dispatch_needs_and_records_its_target(gw: GatewayServer) -> None:  # noqa: F811
    alert_id = post_alert(gw)
    officer = gw.login("officer1")
    assert officer.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={}).status_code == 200
    r = officer.post(f"/api/v1/alerts/{alert_id}/dispatch", json={"target": "[一组]"})
    assert r.status_code == 422, r.text  # brackets would be read as the audit's own
    assert officer.get(f"/api/v1/alerts/{alert_id}").json()["state"] == "acknowledged"
    r = officer.post(
        f"/api/v1/alerts/{alert_id}/dispatch", json={"target": "王伟", "note": "速到北门"}
    )
    assert r.json()["state"] == "dispatched"
    assert officer.get(f"/api/v1/alerts/{alert_id}").json()["extra"]["dispatched_to"] == "王伟"
    last = officer.get(f"/api/v1/alerts/{alert_id}/events").json()[-1]
    assert (last["action"], last["note"]) == ("dispatch", "[王伟] 速到北门")


def test_a_dispatch_without_a_target_is_still_taken(gw: GatewayServer) -> None:  # noqa: F811
    alert_id = post_alert(gw)
    officer = gw.login("officer1")
    assert officer.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={}).status_code == 200
    r = officer.post(f"/api/v1/alerts/{alert_id}/dispatch", json={"note": "速到北门"})
    assert r.status_code == 200 and r.json()["state"] == "dispatched"
    assert officer.get(f"/api/v1/alerts/{alert_id}").json()["extra"]["dispatched_to"] == ""
    last = officer.get(f"/api/v1/alerts/{alert_id}/events").json()[-1]
    assert (last["action"], last["note"]) == ("dispatch", "速到北门")


def test_dispatch_targets_are_the_precincts_officers(gw: GatewayServer) -> None:  # noqa: F811
    with gw.db.write() as conn:
        create_user(conn, username="li.na", password_hash=hash_password("x" * 12),
                    role=Role.officer, now=format_ts(utcnow()), display_name="李娜",
                    precinct_id="p1")  # fmt: skip
    gw.add_user("boss", "admin")
    officer = gw.login("officer1")
    mine = officer.get("/api/v1/dispatch-targets").json()
    assert mine["precinct_id"] == "p1"
    # Officers and supervisors of p1, by name; not p2's, not the property's or installers.
    assert [(t["name"], t["role"]) for t in mine["targets"]] == [
        ("chief", "supervisor"),
        ("officer1", "officer"),
        ("李娜", "officer"),
    ]
    assert officer.get("/api/v1/dispatch-targets", params={"compound_id": "c1"}).json() == mine
    assert officer.get("/api/v1/dispatch-targets", params={"compound_id": "c2"}).status_code == 404
    assert gw.login("pm1").get("/api/v1/dispatch-targets").status_code == 403
    assert gw.login("inst").get("/api/v1/dispatch-targets").status_code == 403
    admin = gw.login("boss")
    assert admin.get("/api/v1/dispatch-targets").status_code == 422  # which precinct?
    theirs = admin.get("/api/v1/dispatch-targets", params={"compound_id": "c2"}).json()
    assert [t["username"] for t in theirs["targets"]] == ["officer2"]
