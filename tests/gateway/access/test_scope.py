"""Scope, decided in one place (scope.py), holds on every way to an alert: the list, the
detail, the snapshot, the audit trail, the live feed and the edge board.

Compound c1 is in precinct p1, c2 in p2. A property manager of c1 and an officer of p1 get
nothing of c2; an officer of p2 nothing of c1; an installer no alerts at all."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from ulid import ULID

from anju_contracts import format_ts, utcnow
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw", sla_sweep_seconds=300).start()
    server.add_compound("c1", "p1")
    server.add_compound("c2", "p2")
    server.add_user("pm1", "property_manager", compound_id="c1")
    server.add_user("o1", "officer", precinct_id="p1")
    server.add_user("o2", "officer", precinct_id="p2")
    server.add_user("inst", "installer")
    server.add_user("boss", "admin")
    yield server
    server.stop()


def jpeg_b64() -> str:
    ok, buf = cv2.imencode(".jpg", np.full((48, 64, 3), 120, np.uint8))
    assert ok
    return base64.b64encode(bytes(buf)).decode()


def post_alert(gw: GatewayServer, compound: str) -> str:
    """Through the real edge ingest API, with a device token enrolled for the compound."""
    token = enrol(gw.db, code=gw.enrol_code(compound), hostname="t", now=utcnow()).token
    alert_id = str(ULID())
    body = {
        "v": 1,
        "alerts": [
            {
                "id": alert_id,
                "compound_id": compound,
                "source_kind": "gate",
                "source_id": "g1",
                "kind": "tamper",
                "severity": "high",
                "ts": format_ts(utcnow()),
                "snapshot_jpeg_b64": jpeg_b64(),
            }
        ],
    }
    r = httpx.post(
        f"{gw.url}/api/v1/edge/alerts", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    return alert_id


def ids_of(client: httpx.Client, **params: str) -> list[str]:
    r = client.get("/api/v1/alerts", params=params)
    assert r.status_code == 200, r.text
    return [a["id"] for a in r.json()["alerts"]]


def test_reads_are_scoped(gw: GatewayServer) -> None:
    a1, a2 = post_alert(gw, "c1"), post_alert(gw, "c2")
    pm, o1, o2, inst, boss = (gw.login(u) for u in ("pm1", "o1", "o2", "inst", "boss"))

    for client, mine, theirs in ((pm, a1, a2), (o1, a1, a2), (o2, a2, a1)):
        assert ids_of(client) == [mine]
        other = "c2" if theirs == a2 else "c1"
        assert ids_of(client, compound_id=other) == []
        assert client.get(f"/api/v1/alerts/{mine}").status_code == 200
        snap = client.get(f"/api/v1/alerts/{mine}/snapshot.jpg")
        assert snap.status_code == 200 and snap.content[:2] == b"\xff\xd8"
        # Not-yours looks exactly like not-found.
        for path in ("", "/snapshot.jpg", "/events"):
            r = client.get(f"/api/v1/alerts/{theirs}{path}")
            assert r.status_code == 404 and r.json()["detail"] == "no such alert", path

    assert inst.get("/api/v1/alerts").status_code == 403
    for path in ("", "/snapshot.jpg", "/events"):
        assert inst.get(f"/api/v1/alerts/{a1}{path}").status_code == 404
    assert inst.get("/api/v1/edges").status_code == 403
    assert sorted(ids_of(boss)) == sorted([a1, a2])


def test_edge_board_is_scoped(gw: GatewayServer) -> None:
    post_alert(gw, "c1")  # enrols a box in c1
    post_alert(gw, "c2")  # and one in c2
    compounds = {
        user: sorted(e["compound_id"] for e in gw.login(user).get("/api/v1/edges").json())
        for user in ("pm1", "o2", "boss")
    }
    assert compounds == {"pm1": ["c1"], "o2": ["c2"], "boss": ["c1", "c2"]}


def test_live_feed_is_scoped(gw: GatewayServer) -> None:
    users = ("pm1", "o1", "o2", "boss")
    got: dict[str, list[str]] = {u: [] for u in users}
    want = {"pm1": 1, "o1": 1, "o2": 1, "boss": 2}
    ready = {u: threading.Event() for u in users}

    def listen(name: str) -> None:
        client = gw.login(name)
        with (
            httpx.Client(base_url=gw.url, headers=client.headers, timeout=15) as c,
            c.stream("GET", "/api/v1/live") as resp,
        ):
            event = ""
            for line in resp.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    if event == "hello":
                        ready[name].set()
                    elif event == "alert.new":
                        got[name].append(json.loads(line[6:])["compound_id"])
                        if len(got[name]) >= want[name]:
                            return

    threads = [threading.Thread(target=listen, args=(u,), daemon=True) for u in users]
    for t in threads:
        t.start()
    for e in ready.values():
        assert e.wait(10)
    # c2 first: a listener that wrongly received it would record it before its own.
    post_alert(gw, "c2")
    post_alert(gw, "c1")
    for t in threads:
        t.join(10)
    assert got == {"pm1": ["c1"], "o1": ["c1"], "o2": ["c2"], "boss": ["c2", "c1"]}
    r = gw.login("inst").get("/api/v1/live")
    assert r.status_code == 403 and "no alerts" in r.json()["detail"]
