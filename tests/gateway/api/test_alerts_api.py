"""Reading alerts over HTTP: filters, time windows with offsets, paging, snapshots."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from ulid import ULID

from anju_contracts import format_ts, utcnow
from anju_gateway.edges.enrolment import enrol


@pytest.fixture
def device(gateway):  # type: ignore[no-untyped-def]
    import httpx

    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
    client = httpx.Client(base_url=gateway.url, timeout=10)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def alert(ts: datetime, kind: str = "tamper", severity: str = "high", **extra: object) -> dict:  # type: ignore[type-arg]
    return {
        "id": str(ULID.from_datetime(ts)),
        "compound_id": "c1",
        "source_kind": "gate",
        "source_id": "g1",
        "kind": kind,
        "severity": severity,
        "ts": format_ts(ts),
        **extra,
    }


def test_filters_windows_and_paging(gateway, device):  # type: ignore[no-untyped-def]
    base = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # 00:00 on 23 Nov in Shanghai
    batch = [alert(base + timedelta(minutes=i)) for i in range(5)]
    batch.append(alert(base + timedelta(hours=2), kind="door_forced", severity="critical"))
    assert device.post("/api/v1/edge/alerts", json={"v": 1, "alerts": batch}).status_code == 200
    gateway.add_user("o1", "officer", precinct_id="p1")
    officer = gateway.login("o1")

    everything = officer.get("/api/v1/alerts").json()
    assert len(everything["alerts"]) == 6
    assert everything["alerts"][0]["kind"] == "door_forced"  # newest first

    forced = officer.get("/api/v1/alerts", params={"kind": "door_forced"}).json()["alerts"]
    assert [a["severity"] for a in forced] == ["critical"]

    # The same instant written with a +08:00 offset selects the same window.
    window = officer.get(
        "/api/v1/alerts",
        params={"since": "2026-11-23T00:02:00+08:00", "until": "2026-11-23T01:00:00+08:00"},
    ).json()["alerts"]
    assert len(window) == 3
    naive = officer.get("/api/v1/alerts", params={"since": "2026-11-23T00:02:00"})
    assert naive.status_code == 422

    page1 = officer.get("/api/v1/alerts", params={"limit": 4}).json()
    assert len(page1["alerts"]) == 4 and page1["next_before"]
    page2 = officer.get(
        "/api/v1/alerts", params={"limit": 4, "before": page1["next_before"]}
    ).json()
    assert len(page2["alerts"]) == 2 and page2["next_before"] is None
    ids = [a["id"] for a in page1["alerts"] + page2["alerts"]]
    assert len(set(ids)) == 6


def test_snapshot_round_trip(gateway, device):  # type: ignore[no-untyped-def]
    img = np.full((120, 160, 3), 90, np.uint8)
    ok, jpeg = cv2.imencode(".jpg", img)
    assert ok
    a = alert(utcnow(), snapshot_jpeg_b64=base64.b64encode(jpeg.tobytes()).decode())
    assert device.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [a]}).status_code == 200
    gateway.add_user("o1", "officer", precinct_id="p1")
    officer = gateway.login("o1")
    resp = officer.get(f"/api/v1/alerts/{a['id']}/snapshot.jpg")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "image/jpeg"
    assert resp.content == jpeg.tobytes()
    assert officer.get(f"/api/v1/alerts/{a['id']}").json()["has_snapshot"] is True


def test_not_a_jpeg_snapshot_is_refused(gateway, device):  # type: ignore[no-untyped-def]
    a = alert(utcnow(), snapshot_jpeg_b64=base64.b64encode(b"GIF89a....").decode())
    resp = device.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [a]})
    assert resp.status_code == 422
    assert "not a JPEG" in resp.json()["detail"]


def test_unauthenticated_reads_are_refused(gateway):  # type: ignore[no-untyped-def]
    import httpx

    resp = httpx.get(f"{gateway.url}/api/v1/alerts")
    assert resp.status_code == 401


def test_paging_past_200(gateway, device):  # type: ignore[no-untyped-def]
    """The console's page size: 250 alerts are the newest 200, then the other 50, then none."""
    base = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    batch = [alert(base + timedelta(seconds=i)) for i in range(250)]
    for start in range(0, 250, 100):
        resp = device.post(
            "/api/v1/edge/alerts", json={"v": 1, "alerts": batch[start : start + 100]}
        )
        assert resp.status_code == 200
    gateway.add_user("o1", "officer", precinct_id="p1")
    officer = gateway.login("o1")
    first = officer.get("/api/v1/alerts", params={"limit": 200}).json()
    assert len(first["alerts"]) == 200 and first["next_before"] == first["alerts"][-1]["id"]
    rest = officer.get("/api/v1/alerts", params={"limit": 200, "before": first["next_before"]})
    assert len(rest.json()["alerts"]) == 50 and rest.json()["next_before"] is None
    seen = [a["id"] for a in first["alerts"] + rest.json()["alerts"]]
    assert seen == sorted({a["id"] for a in batch}, reverse=True)
