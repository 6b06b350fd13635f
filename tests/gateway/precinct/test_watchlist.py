"""Watchlist API: normalised plates, 422 on garbage, precinct scope, audit of create/remove."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anju_contracts import format_ts, utcnow


@pytest.fixture
def people(gateway):  # type: ignore[no-untyped-def]
    gateway.add_compound("c2", "p2")
    gateway.add_user("admin", "admin")
    gateway.add_user("off1", "officer", precinct_id="p1")
    gateway.add_user("off2", "officer", precinct_id="p2")
    gateway.add_user("pm1", "property_manager", compound_id="c1")
    gateway.add_user("inst", "installer")
    return {u: gateway.login(u) for u in ("admin", "off1", "off2", "pm1", "inst")}


def test_plate_is_normalised_and_audited(people) -> None:  # type: ignore[no-untyped-def]
    admin = people["admin"]
    resp = admin.post(
        "/api/v1/watchlist", json={"value": "赣a·d 12345", "reason": "涉案车辆 stolen car"}
    )
    assert resp.status_code == 201, resp.text
    entry = resp.json()
    assert entry["value"] == "赣AD12345"
    assert entry["display"] == "赣A·D12345"
    assert entry["precinct_id"] is None  # admin without precinct: global
    assert entry["created_by"] == "admin"
    listed = admin.get("/api/v1/watchlist").json()
    assert [e["value"] for e in listed] == ["赣AD12345"]
    assert admin.delete(f"/api/v1/watchlist/{entry['id']}").status_code == 204
    assert admin.get("/api/v1/watchlist").json() == []
    audit = admin.get(f"/api/v1/watchlist/{entry['id']}/audit").json()
    assert [(a["action"], a["actor"]) for a in audit] == [("create", "admin"), ("remove", "admin")]
    assert audit[0]["detail"]["value"] == "赣AD12345"
    assert admin.delete(f"/api/v1/watchlist/{entry['id']}").status_code == 404


def test_garbage_plate_is_422(gateway) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("off1", "officer", precinct_id="p1")
    officer = gateway.login("off1")
    for value in ("A12345", "京A1234", "hello world", "京A·1234O", "京A12345678901"):
        resp = officer.post("/api/v1/watchlist", json={"value": value, "reason": "x"})
        assert resp.status_code == 422, value
        detail = resp.json()["detail"]
        assert any(w in detail for w in ("not a valid", "province", "too long")), detail
    assert officer.get("/api/v1/watchlist").json() == []


def test_credentials_and_expiry(people) -> None:  # type: ignore[no-untyped-def]
    off1 = people["off1"]
    past = format_ts(utcnow() - timedelta(minutes=1))
    resp = off1.post(
        "/api/v1/watchlist",
        json={"kind": "credential", "value": "card-1", "reason": "lost", "expires_at": past},
    )
    assert resp.status_code == 422
    soon = format_ts(utcnow() + timedelta(days=1))
    resp = off1.post(
        "/api/v1/watchlist",
        json={"kind": "credential", "value": " card-1 ", "reason": "lost", "expires_at": soon},
    )
    assert resp.status_code == 201
    assert resp.json()["value"] == "CARD-1"
    assert resp.json()["expires_at"] == soon


def test_precinct_scope(people) -> None:  # type: ignore[no-untyped-def]
    off1, off2, admin = people["off1"], people["off2"], people["admin"]
    mine = off1.post("/api/v1/watchlist", json={"value": "京A12345", "reason": "r"}).json()
    assert mine["precinct_id"] == "p1"
    glob = admin.post("/api/v1/watchlist", json={"value": "京B12345", "reason": "g"}).json()
    # An officer of p2 sees the global entry, not p1's; cannot touch p1's or add for p1.
    assert [e["value"] for e in off2.get("/api/v1/watchlist").json()] == ["京B12345"]
    assert off2.delete(f"/api/v1/watchlist/{mine['id']}").status_code == 404
    assert off2.get(f"/api/v1/watchlist/{mine['id']}/audit").status_code == 404
    resp = off2.post(
        "/api/v1/watchlist", json={"value": "京C12345", "reason": "r", "precinct_id": "p1"}
    )
    assert resp.status_code == 403
    # Global entries are visible to officers but only an admin removes them.
    assert off1.delete(f"/api/v1/watchlist/{glob['id']}").status_code == 403
    assert sorted(e["value"] for e in off1.get("/api/v1/watchlist").json()) == [
        "京A12345",
        "京B12345",
    ]
    assert off1.delete(f"/api/v1/watchlist/{mine['id']}").status_code == 204
    # Admins may file an entry for a precinct; unknown precincts are refused.
    resp = admin.post(
        "/api/v1/watchlist", json={"value": "京D12345", "reason": "r", "precinct_id": "p9"}
    )
    assert resp.status_code == 404
    for role in ("pm1", "inst"):
        assert people[role].get("/api/v1/watchlist").status_code == 403
        resp = people[role].post("/api/v1/watchlist", json={"value": "京A12345", "reason": "r"})
        assert resp.status_code == 403
