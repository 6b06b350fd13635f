"""Precinct webhooks against a real HTTP receiver: signature, retry, dead letter, restart."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from ulid import ULID

from anju.netutil import free_port
from anju_contracts import format_ts, utcnow
from anju_gateway.edges.enrolment import enrol
from anju_gateway.precinct.link import verify
from tests.support.servers import GatewayServer, wait_until

SECRET = "s3cret-for-precinct-p1"
FAST = {
    "webhook_poll_s": 0.05,
    "webhook_backoff_initial_s": 0.05,
    "webhook_backoff_max_s": 0.2,
    "webhook_max_attempts": 4,
}


class Receiver:
    """A precinct's system: checks every signature, can be told to fail the first N posts."""

    def __init__(self, fail_first: int = 0, port: int | None = None) -> None:
        self.fail_first = fail_first
        self.hits: list[dict[str, object]] = []
        self.bad_signatures = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stamp = self.headers["X-Anju-Timestamp"]
                ok = verify(SECRET, stamp, body, self.headers["X-Anju-Signature"])
                outer.bad_signatures += not ok
                outer.hits.append({"ok": ok, "body": json.loads(body), "stamp": stamp})
                failing = len(outer.hits) <= outer.fail_first
                self.send_response(401 if not ok else 503 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/anju"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw", **FAST).start()
    server.add_compound("c1", "p1", name="安居小区")
    server.add_compound("c2", "p2")
    server.add_user("admin", "admin")
    yield server
    server.stop()


def post_alert(gw: GatewayServer, compound: str = "c1") -> str:
    token = enrol(gw.db, code=gw.enrol_code(compound), hostname="t", now=utcnow()).token
    ts = utcnow()
    alert_id = str(ULID.from_datetime(ts))
    body = {
        "v": 1,
        "alerts": [
            {
                "id": alert_id,
                "compound_id": compound,
                "source_kind": "gate",
                "source_id": "g1",
                "kind": "door_forced",
                "severity": "critical",
                "ts": format_ts(ts),
            }
        ],
    }
    resp = httpx.post(
        f"{gw.url}/api/v1/edge/alerts", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    resp.raise_for_status()
    return alert_id


def deliveries(admin: httpx.Client, precinct: str = "p1") -> list[dict[str, object]]:
    resp = admin.get(f"/api/v1/precincts/{precinct}/deliveries")
    resp.raise_for_status()
    return resp.json()  # type: ignore[no-any-return]


def test_signed_delivery_after_two_failures(gw: GatewayServer) -> None:
    receiver = Receiver(fail_first=2)
    admin = gw.login("admin")
    try:
        put = admin.put(
            "/api/v1/precincts/p1/webhook", json={"url": receiver.url, "secret": SECRET}
        )
        assert put.status_code == 200, put.text
        assert "secret" not in put.json()
        alert_id = post_alert(gw)
        post_alert(gw, "c2")  # precinct p2 has no webhook: nothing is sent
        done = wait_until(
            lambda: [d for d in deliveries(admin) if d["status"] == "delivered"],
            timeout=10,
            message="delivery",
        )
    finally:
        receiver.close()
    assert len(receiver.hits) == 3 and receiver.bad_signatures == 0
    assert done[0]["alert_id"] == alert_id and done[0]["attempts"] == 3
    assert done[0]["last_status"] == 204
    alert = receiver.hits[-1]["body"]["alert"]  # type: ignore[index]
    assert alert["id"] == alert_id and alert["compound_name"] == "安居小区"
    assert alert["precinct_id"] == "p1" and alert["kind"] == "door_forced"
    assert deliveries(admin, "p2") == []


def test_dead_letter_after_max_attempts(gw: GatewayServer) -> None:
    receiver = Receiver(fail_first=1000)
    admin = gw.login("admin")
    try:
        admin.put("/api/v1/precincts/p1/webhook", json={"url": receiver.url, "secret": SECRET})
        post_alert(gw)
        dead = wait_until(
            lambda: [d for d in deliveries(admin) if d["status"] == "dead"],
            timeout=10,
            message="dead letter",
        )
    finally:
        receiver.close()
    assert dead[0]["attempts"] == FAST["webhook_max_attempts"]
    assert dead[0]["last_error"] == "HTTP 503"
    assert len(receiver.hits) == FAST["webhook_max_attempts"]


def test_wrong_secret_is_refused_by_receiver(gw: GatewayServer) -> None:
    receiver = Receiver()
    admin = gw.login("admin")
    try:
        admin.put(
            "/api/v1/precincts/p1/webhook",
            json={"url": receiver.url, "secret": "not-the-agreed-secret"},
        )
        post_alert(gw)
        wait_until(lambda: receiver.hits, timeout=10, message="a post")
    finally:
        receiver.close()
    assert receiver.bad_signatures >= 1
    assert all(d["status"] != "delivered" for d in deliveries(admin))


def test_pending_delivery_survives_restart(tmp_path: Path, gw: GatewayServer) -> None:
    port = free_port()  # nothing listens yet: attempts fail with a connection error
    admin = gw.login("admin")
    admin.put(
        "/api/v1/precincts/p1/webhook",
        json={"url": f"http://127.0.0.1:{port}/anju", "secret": SECRET},
    )
    alert_id = post_alert(gw)
    wait_until(
        lambda: [d for d in deliveries(admin) if d["attempts"]], timeout=10, message="attempt"
    )
    gw.stop()
    receiver = Receiver(port=port)
    again = GatewayServer(tmp_path / "gw", **FAST).start()
    try:
        admin = again.login("admin")
        done = wait_until(
            lambda: [d for d in deliveries(admin) if d["status"] == "delivered"],
            timeout=10,
            message="delivery after restart",
        )
    finally:
        again.stop()
        receiver.close()
    assert done[0]["alert_id"] == alert_id
    assert receiver.hits[0]["body"]["alert"]["id"] == alert_id  # type: ignore[index]


def test_webhook_admin_only_and_validated(gw: GatewayServer) -> None:
    gw.add_user("off1", "officer", precinct_id="p1")
    officer = gw.login("off1")
    admin = gw.login("admin")
    body = {"url": "http://127.0.0.1:9/x", "secret": SECRET}
    assert officer.put("/api/v1/precincts/p1/webhook", json=body).status_code == 403
    assert officer.get("/api/v1/precincts/p1/deliveries").status_code == 403
    assert admin.put("/api/v1/precincts/p9/webhook", json=body).status_code == 404
    short = {"url": "http://127.0.0.1:9/x", "secret": "short"}
    assert admin.put("/api/v1/precincts/p1/webhook", json=short).status_code == 422
    assert (
        admin.put("/api/v1/precincts/p1/webhook", json={**body, "url": "ftp://x/y"}).status_code
        == 422
    )
    admin.put("/api/v1/precincts/p1/webhook", json={**body, "enabled": False})
    view = admin.get("/api/v1/precincts/p1/webhook").json()
    assert view["enabled"] is False and view["updated_by"] == "admin"


def test_backoff_grows_exponentially(gw: GatewayServer) -> None:
    link = gw.app.state.precinct_link
    assert [link._backoff(n) for n in (1, 2, 3, 4)] == [0.05, 0.1, 0.2, 0.2]
