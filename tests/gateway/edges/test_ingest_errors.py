"""Edge ingest and enrolment at the boundary: every refusal with its status and reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client import REGISTRY
from ulid import ULID

from anju_contracts import format_ts, utcnow
from anju_gateway.edges.enrolment import enrol, issue_code
from anju_gateway.store.edges import EnrolError, revoke_edge


def rejected(reason: str) -> float:
    return (
        REGISTRY.get_sample_value("anju_gateway_rejected_requests_total", {"reason": reason}) or 0.0
    )


def alert(compound: str = "c1", **extra: object) -> dict:  # type: ignore[type-arg]
    return {
        "id": str(ULID()),
        "compound_id": compound,
        "source_kind": "gate",
        "source_id": "g1",
        "kind": "tamper",
        "severity": "high",
        "ts": format_ts(utcnow()),
        **extra,
    }


@pytest.fixture
def box(gateway):  # type: ignore[no-untyped-def]
    resp = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow())
    client = httpx.Client(
        base_url=gateway.url, headers={"Authorization": f"Bearer {resp.token}"}, timeout=10
    )
    client.edge_id = resp.edge_id  # type: ignore[attr-defined]
    return client


def test_duplicates_are_acknowledged_once(gateway, box) -> None:  # type: ignore[no-untyped-def]
    a, b = alert(), alert()
    first = box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [a, b]}).json()
    assert [r["status"] for r in first["receipts"]] == ["stored", "stored"]
    again = box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [b, alert()]}).json()
    assert [r["status"] for r in again["receipts"]] == ["duplicate", "stored"]
    assert gateway.db.conn().execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 3


def test_other_compound_is_403(gateway, box) -> None:  # type: ignore[no-untyped-def]
    gateway.add_compound("c2", "p1")
    before = rejected("foreign_compound")
    resp = box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [alert(), alert("c2")]})
    assert resp.status_code == 403 and "c1" in resp.json()["detail"]
    assert rejected("foreign_compound") == before + 1
    assert gateway.db.conn().execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 0


def test_schema_errors_are_422_with_paths(box) -> None:  # type: ignore[no-untyped-def]
    before = rejected("schema")
    resp = box.post(
        "/api/v1/edge/alerts",
        json={"v": 1, "alerts": [alert(severity="apocalyptic", colour="red")]},
    )
    assert resp.status_code == 422
    locs = {tuple(d["loc"]) for d in resp.json()["detail"]}
    assert ("body", "alerts", 0, "severity") in locs and ("body", "alerts", 0, "colour") in locs
    assert rejected("schema") == before + 1
    assert (
        box.post(
            "/api/v1/edge/alerts",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        ).status_code
        == 422
    )
    assert box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": []}).status_code == 422


def test_oversized_body_is_413(gateway, box) -> None:  # type: ignore[no-untyped-def]
    before = rejected("too_large")
    huge = b'{"v": 1, "alerts": [' + b" " * (gateway.settings.max_body_bytes + 10) + b"]}"
    resp = box.post(
        "/api/v1/edge/alerts", content=huge, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 413
    assert rejected("too_large") == before + 1


def test_oversized_chunked_body_is_413_too(gateway, box) -> None:  # type: ignore[no-untyped-def]
    """No Content-Length to judge by: the limit holds while the body is read."""
    before = rejected("too_large")
    size = gateway.settings.max_body_bytes

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"v": 1, "alerts": ['
        for _ in range(size // 65536 + 2):
            yield b" " * 65536
        yield b"]}"

    resp = box.post(
        "/api/v1/edge/alerts", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert resp.request.headers.get("transfer-encoding") == "chunked"
    assert resp.status_code == 413, resp.text
    assert rejected("too_large") == before + 1
    # A chunked body under the limit is taken as usual.
    small = box.post(
        "/api/v1/edge/alerts",
        content=iter([b'{"v": 1, "alerts": [', json.dumps(alert()).encode(), b"]}"]),
        headers={"Content-Type": "application/json"},
    )
    assert small.status_code == 200, small.text


def test_missing_and_revoked_tokens_are_401(gateway, box) -> None:  # type: ignore[no-untyped-def]
    body = {"v": 1, "alerts": [alert()]}
    assert httpx.post(f"{gateway.url}/api/v1/edge/alerts", json=body).status_code == 401
    assert box.post("/api/v1/edge/alerts", json=body).status_code == 200
    with gateway.db.write() as conn:
        assert revoke_edge(conn, edge_id=box.edge_id, now=format_ts(utcnow()))
    resp = box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [alert()]})
    assert resp.status_code == 401 and "revoked" in resp.json()["detail"]


def test_codes_expire_and_work_once(gateway) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    code, _ = issue_code(
        gateway.db,
        compound_id="c1",
        created_by="t",
        now=now - timedelta(hours=2),
        ttl=timedelta(hours=1),
    )
    with pytest.raises(EnrolError, match="expired"):
        enrol(gateway.db, code=code, hostname="t", now=now)
    url = f"{gateway.url}/api/v1/edge/enrol"
    fresh = gateway.enrol_code("c1")
    first = httpx.post(url, json={"v": 1, "code": fresh, "hostname": "pi"})
    assert first.status_code == 200 and len(first.json()["token"]) >= 32
    replay = httpx.post(url, json={"v": 1, "code": fresh, "hostname": "pi"})
    assert replay.status_code == 403 and "already used" in replay.json()["detail"]
    unknown = httpx.post(url, json={"v": 1, "code": "AAAA-BBBB-CCCC"})
    assert unknown.status_code == 403
    stored = gateway.db.conn().execute("SELECT token_hash FROM edges").fetchone()[0]
    assert stored != first.json()["token"] and len(stored) == 64


def test_codes_via_api_for_installers_only(gateway) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("inst", "installer")
    gateway.add_user("o1", "officer", precinct_id="p1")
    made = gateway.login("inst").post("/api/v1/enrol-codes", json={"compound_id": "c1"})
    assert made.status_code == 201 and made.json()["compound_id"] == "c1"
    assert (
        gateway.login("o1").post("/api/v1/enrol-codes", json={"compound_id": "c1"}).status_code
        == 403
    )
    assert (
        gateway.login("inst").post("/api/v1/enrol-codes", json={"compound_id": "nope"}).status_code
        == 404
    )


def test_a_box_cannot_learn_which_alert_ids_another_compound_holds(gateway, box) -> None:  # type: ignore[no-untyped-def]
    gateway.add_compound("c2", "p2")
    other = httpx.Client(
        base_url=gateway.url,
        headers={
            "Authorization": "Bearer "
            + enrol(gateway.db, code=gateway.enrol_code("c2"), hostname="o", now=utcnow()).token
        },
        timeout=10,
    )
    theirs = alert("c2", details={"note": "c2's"})
    assert other.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [theirs]}).status_code == 200

    before = (
        REGISTRY.get_sample_value("anju_gateway_alerts_ingested_total", {"outcome": "id_taken"})
        or 0.0
    )
    probe = {**alert("c1"), "id": theirs["id"]}  # c2's id, sent by c1's box
    for _ in range(2):  # asked twice: the same answer a new id gets, never "duplicate"
        answer = box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [probe, alert()]})
        assert [r["status"] for r in answer.json()["receipts"]] == ["stored", "stored"]
    taken = REGISTRY.get_sample_value("anju_gateway_alerts_ingested_total", {"outcome": "id_taken"})
    assert taken == before + 2
    # c2's alert is untouched, and c1 holds nothing under that id.
    row = (
        gateway.db.conn()
        .execute("SELECT compound_id, details_json FROM alerts WHERE id = ?", (theirs["id"],))
        .fetchone()
    )
    assert row[0] == "c2" and "c2's" in row[1]
    # Within its own compound a box still learns of its own duplicates (that is how it forgets).
    mine = alert()
    box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [mine]})
    again = box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [mine]}).json()
    assert again["receipts"][0]["status"] == "duplicate"
