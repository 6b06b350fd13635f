"""Several gateway replicas on one PostgreSQL (real processes, a throwaway cluster): a replica
killed mid-stream, PostgreSQL restarted mid-stream, background jobs exactly once, the live feed
across replicas, and a database at the previous schema upgraded in place."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from anju.netutil import free_port, wait_for_port
from anju_contracts import utcnow
from anju_contracts.common import format_ts
from anju_edge.delivery.enrol import write_token
from anju_gateway.access.security import hash_password
from anju_gateway.edges.enrolment import enrol, issue_code
from anju_gateway.store.compounds import upsert_compound
from anju_gateway.store.postgres import PostgresDatabase
from anju_gateway.store.users import Role, create_user
from tests.faults.conftest import FAULT_EDGE, GatePublisher, wait_edge_online
from tests.gateway.precinct.test_webhook import SECRET, Receiver
from tests.support import engines
from tests.support.processes import EdgeProcess, GatewayProcess
from tests.support.servers import PASSWORD, edge_config, wait_until

pytestmark = pytest.mark.slow


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


JPEG = _jpeg()


class Precinct:
    """One PostgreSQL database seeded with compound c1 (precinct p1), an admin and an officer."""

    def __init__(self) -> None:
        self.url = engines.cluster().new_database()
        self.db = PostgresDatabase(self.url)
        now = format_ts(utcnow())
        with self.db.write() as conn:
            upsert_compound(conn, compound_id="c1", name="安居小区", precinct_id="p1", now=now)
            for name, role, precinct in (("admin", Role.admin, None), ("o1", Role.officer, "p1")):
                create_user(conn, username=name, password_hash=hash_password(PASSWORD),
                            role=role, now=now, precinct_id=precinct)  # fmt: skip

    def alerts(self) -> list[dict[str, Any]]:
        rows = (
            self.db.conn()
            .execute("SELECT id, kind, details_json, received_at FROM alerts ORDER BY rowid")
            .fetchall()
        )
        return [{"id": r[0], "kind": r[1], "details": json.loads(r[2] or "{}"),
                 "received_at": r[3]} for r in rows]  # fmt: skip

    def seqs(self) -> list[int]:
        return sorted(int(a["details"]["seq"]) for a in self.alerts() if a["kind"] == "door_forced")

    def events(self, action: str) -> list[str]:
        rows = (
            self.db.conn()
            .execute("SELECT alert_id FROM alert_events WHERE action = ?", (action,))
            .fetchall()
        )
        return [r[0] for r in rows]

    def token(self) -> str:
        code, _ = issue_code(self.db, compound_id="c1", created_by="t", now=utcnow(),
                             ttl=timedelta(minutes=10))  # fmt: skip
        return enrol(self.db, code=code, hostname="t", now=utcnow()).token


@pytest.fixture
def precinct() -> Iterator[Precinct]:
    p = Precinct()
    yield p
    p.db.close()


class Replicas:
    def __init__(self, tmp: Path, precinct: Precinct, n: int = 2, **settings: object) -> None:
        self.all = [
            GatewayProcess(tmp / f"gw{i}", free_port(), precinct.url, **settings) for i in range(n)
        ]

    def start(self) -> Replicas:
        for r in self.all:
            r.start()
        for r in self.all:
            wait_for_port("127.0.0.1", r.port, timeout=30)
        return self

    def stop(self) -> None:
        for r in self.all:
            r.stop()


@pytest.fixture
def replicas(tmp_path: Path, precinct: Precinct) -> Iterator[Replicas]:
    rs = Replicas(tmp_path, precinct, job_lease_s=1, sla_sweep_seconds=0.2, webhook_poll_s=0.1)
    yield rs.start()
    rs.stop()


def login(url: str, user: str = "o1") -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=10)
    r = client.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
    r.raise_for_status()
    client.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return client


class Feed:
    """An officer's live feed on one replica: ``alert.new`` ids with the time each arrived."""

    def __init__(self, url: str) -> None:
        self.client = login(url)
        self.seen: dict[str, float] = {}
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the live feed did not open"

    def _listen(self) -> None:
        try:
            with self.client.stream("GET", "/api/v1/live", timeout=None) as resp:
                name = None
                for line in resp.iter_lines():
                    if line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        data = json.loads(line[6:])
                        if name == "hello":
                            self.ready.set()
                        elif name == "alert.new":
                            self.seen.setdefault(data["id"], time.monotonic())
        except httpx.HTTPError:
            pass

    def close(self) -> None:
        self.client.close()


def post(
    url: str, token: str, alert_id: str, seq: int, jpeg: bytes | None = None
) -> httpx.Response:
    alert: dict[str, Any] = {
        "id": alert_id, "compound_id": "c1", "source_kind": "gate", "source_id": "g1",
        "kind": "door_forced", "severity": "critical", "ts": format_ts(utcnow()),
        "details": {"seq": seq},
    }  # fmt: skip
    if jpeg is not None:
        alert["snapshot_jpeg_b64"] = base64.b64encode(jpeg).decode()
    body = {"v": 1, "alerts": [alert]}
    return httpx.post(
        f"{url}/api/v1/edge/alerts", json=body, headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )  # fmt: skip


def test_alert_stored_by_one_replica_reaches_an_officer_on_the_other_within_1s(
    replicas: Replicas, precinct: Precinct
) -> None:
    from ulid import ULID

    a, b = replicas.all
    feed = Feed(b.url)
    token = precinct.token()
    try:
        for seq in range(1, 11):
            alert_id = str(ULID())
            sent = time.monotonic()
            assert post(a.url, token, alert_id, seq).status_code == 200
            wait_until(lambda i=alert_id: i in feed.seen, timeout=5, message="feed on B")
            assert feed.seen[alert_id] - sent < 1.0
        # The same batch again, now through B: a duplicate, stored once, no second event.
        again = post(b.url, token, alert_id, 10)
        assert again.json()["receipts"][0]["status"] == "duplicate"
        assert len(precinct.alerts()) == 10
        # A snapshot stored through A is served by B (it is in the database, no replica's file).
        pictured = str(ULID())
        assert post(a.url, token, pictured, 11, jpeg=JPEG).status_code == 200
        served = feed.client.get(f"/api/v1/alerts/{pictured}/snapshot.jpg")
        assert served.status_code == 200 and served.content == JPEG
    finally:
        feed.close()


def test_a_batch_of_100_alerts_reaches_officers_on_both_replicas_every_one(
    replicas: Replicas, precinct: Precinct
) -> None:
    """One POST of 100 alerts is 100 feed events: packed into several notifications (each at
    most 8,000 bytes), sent off the request, each event shown once on both replicas' feeds."""
    from ulid import ULID

    a, b = replicas.all
    feeds = [Feed(a.url), Feed(b.url)]
    ids = [str(ULID()) for _ in range(100)]
    alerts = [
        {"id": alert_id, "compound_id": "c1", "source_kind": "gate", "source_id": "g1",
         "kind": "door_forced", "severity": "critical", "ts": format_ts(utcnow()),
         "details": {"seq": seq, "note": "东侧围墙" * 20}}
        for seq, alert_id in enumerate(ids)
    ]  # fmt: skip
    try:
        auth = {"Authorization": f"Bearer {precinct.token()}"}
        sent = httpx.post(f"{a.url}/api/v1/edge/alerts", json={"v": 1, "alerts": alerts},
                          headers=auth, timeout=10)  # fmt: skip
        assert sent.status_code == 200
        for feed in feeds:
            wait_until(lambda f=feed: len(f.seen) >= 100, timeout=10, message="100 on the feed")
            assert sorted(feed.seen) == sorted(ids)
    finally:
        for feed in feeds:
            feed.close()


def test_replica_killed_mid_stream_every_alert_once_and_live_on_the_survivor(
    tmp_path: Path, broker, replicas: Replicas, precinct: Precinct
) -> None:  # type: ignore[no-untyped-def]
    a, b = replicas.all
    feed = Feed(b.url)
    cfg = edge_config(tmp_path / "edge", broker.port, a.url, **FAULT_EDGE)
    data = cfg.model_dump(mode="json")
    data["gateway"].pop("url")
    data["gateway"]["urls"] = [a.url, b.url]
    data["gateway"]["timeout_s"] = 3
    (tmp_path / "edge").mkdir(parents=True, exist_ok=True)
    edge = EdgeProcess(type(cfg).model_validate(data), tmp_path / "edge")
    write_token(cfg.token_path(), precinct.token())
    edge.start()
    publisher = GatePublisher(broker.port)
    try:
        wait_edge_online(broker.port)
        publisher.publish(40)
        wait_until(lambda: len(precinct.seqs()) >= 8, timeout=30, message="first alerts")
        a.kill9()
        killed_at = format_ts(utcnow())
        publisher.publish(40)
        wait_until(lambda: len(precinct.seqs()) >= 80, timeout=60, message="all 80 alerts")
        time.sleep(1.0)
        assert precinct.seqs() == list(range(1, 81)), "every gate event once, none twice"
        after = [x["id"] for x in precinct.alerts() if x["received_at"] > killed_at]
        assert after, "the survivor stored the rest"
        wait_until(lambda: all(i in feed.seen for i in after), timeout=5, message="live on B")
    finally:
        publisher.close()
        edge.stop()
        feed.close()


def test_postgres_restart_answers_503_never_500_then_the_outbox_drains(
    tmp_path: Path, broker, replicas: Replicas, precinct: Precinct
) -> None:  # type: ignore[no-untyped-def]
    a, _ = replicas.all
    cfg = edge_config(tmp_path / "edge", broker.port, a.url, **FAULT_EDGE)
    write_token(cfg.token_path(), precinct.token())
    edge = EdgeProcess(cfg, tmp_path / "edge").start()
    publisher = GatePublisher(broker.port)
    cluster = engines.cluster()
    statuses: list[int] = []
    try:
        wait_edge_online(broker.port)
        publisher.publish(20)
        wait_until(lambda: len(precinct.seqs()) >= 5, timeout=30, message="first alerts")
        precinct.db.close()
        cluster.stop_server()
        down_until = time.monotonic() + 3
        while time.monotonic() < down_until:
            with contextlib.suppress(httpx.HTTPError):
                statuses.append(httpx.get(f"{a.url}/healthz", timeout=15).status_code)
            time.sleep(0.2)
        publisher.publish(20)  # the edge keeps them in its outbox while the gateway says 503
        cluster.start_server()
        wait_until(lambda: len(precinct.seqs()) >= 40, timeout=60, message="outbox drained")
        time.sleep(1.0)
        assert precinct.seqs() == list(range(1, 41))
        assert statuses and set(statuses) == {503}, statuses
        assert httpx.get(f"{a.url}/healthz", timeout=5).status_code == 200
        assert "500 Internal" not in a.log()
    finally:
        publisher.close()
        edge.stop()


def test_sla_breach_escalated_and_webhook_sent_once_even_after_the_holder_dies(
    replicas: Replicas, precinct: Precinct
) -> None:
    from ulid import ULID

    receiver = Receiver()
    a, b = replicas.all
    admin = login(a.url, "admin")
    put = admin.put("/api/v1/precincts/p1/webhook", json={"url": receiver.url,
                                                          "secret": SECRET})  # fmt: skip
    assert put.status_code == 200, put.text
    token = precinct.token()
    # Critical alerts breach in 1 minute; stamp them as received 2 minutes ago.
    first = str(ULID())
    assert post(a.url, token, first, 1).status_code == 200
    precinct.db.conn().execute(
        "UPDATE alerts SET ack_due_at = ? WHERE id = ?", (format_ts(utcnow()), first)
    )
    try:
        wait_until(lambda: precinct.events("ack_breached"),
                   timeout=10, message="escalation")  # fmt: skip
        wait_until(lambda: len(receiver.hits) >= 1, timeout=10, message="webhook")
        time.sleep(1.5)  # both replicas swept several times
        escalations = precinct.events("ack_breached")
        assert escalations.count(first) == 1
        assert [h["body"]["alert"]["id"] for h in receiver.hits].count(first) == 1  # type: ignore[index]
        # The holder of the jobs dies: the other takes them when the lease lapses (1 s).
        holders = {r[1].split(":")[1] for r in precinct.db.conn().execute(
            "SELECT job, holder FROM job_leases").fetchall()}  # fmt: skip
        victim = next(r for r in replicas.all if str(r.proc.pid) in holders)  # type: ignore[union-attr]
        victim.kill9()
        survivor = b if victim is a else a
        second = str(ULID())
        assert post(survivor.url, token, second, 2).status_code == 200
        precinct.db.conn().execute(
            "UPDATE alerts SET ack_due_at = ? WHERE id = ?", (format_ts(utcnow()), second)
        )
        wait_until(lambda: second in precinct.events("ack_breached"),
                   timeout=15, message="escalation by the survivor")  # fmt: skip
        wait_until(lambda: len(receiver.hits) >= 2, timeout=15, message="webhook by survivor")
        time.sleep(1.0)
        escalations = precinct.events("ack_breached")
        assert escalations.count(second) == 1
        ids = [h["body"]["alert"]["id"] for h in receiver.hits]  # type: ignore[index]
        assert ids.count(first) == 1 and ids.count(second) == 1
    finally:
        receiver.close()
