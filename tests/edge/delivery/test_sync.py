"""Edge sync component: long-polls the gateway, caches to disk, keeps working without it."""

from __future__ import annotations

import json
import threading

from anju_contracts import Alert, GateEvent, GateEventType, utcnow
from anju_edge.config import GatewayLink
from anju_edge.delivery.enrol import write_token
from anju_edge.delivery.sync import EdgeSyncClient
from anju_edge.gate.watchlist import WatchlistMatcher
from anju_gateway.edges.enrolment import enrol
from anju_sim.devices import SimGate
from tests.support.servers import start_edge, wait_until


def _values(client: EdgeSyncClient) -> list[str]:
    current = client.current()
    return [e.value for e in current.watchlist] if current else []


def test_component_caches_and_survives_gateway_loss(tmp_path, gateway) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("admin", "admin")
    admin = gateway.login("admin")
    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
    write_token(tmp_path / "token", token)
    link = GatewayLink(url=gateway.url, backoff_initial_s=0.1, backoff_max_s=0.5)
    client = EdgeSyncClient(link, tmp_path / "token", tmp_path, "c1")
    assert client.current() is None
    client.start()
    try:
        assert client.synced.wait(10)
        admin.post("/api/v1/watchlist", json={"value": "赣A·D12345", "reason": "r"})
        # The long-poll carries the change without waiting for the sync interval (30 s).
        wait_until(lambda: _values(client) == ["赣AD12345"], timeout=5, message="the new entry")
        on_disk = json.loads((tmp_path / "sync.json").read_text("utf-8"))
        assert on_disk["version"] == client.current().version  # type: ignore[union-attr]
        assert not (tmp_path / "sync.json.tmp").exists()
    finally:
        client.stop()
    gateway.stop()
    # A restarted component with no gateway starts from the disk copy and keeps it.
    again = EdgeSyncClient(link, tmp_path / "token", tmp_path, "c1")
    assert _values(again) == ["赣AD12345"]
    again.start()
    try:
        wait_until(lambda: again.backoff.failures >= 1, timeout=5, message="a failed poll")
        assert _values(again) == ["赣AD12345"]
        matcher = WatchlistMatcher(again.current)
        seen = GateEvent(seq=1, ts=utcnow(), type=GateEventType.plate_read, plate="赣ad 12345")
        entry = matcher(seen)
        assert entry is not None and entry.value == "赣AD12345"
    finally:
        again.stop()


def test_damaged_or_foreign_cache_is_ignored(tmp_path) -> None:  # type: ignore[no-untyped-def]
    link = GatewayLink(url="http://127.0.0.1:9")
    (tmp_path / "sync.json").write_text("{not json", "utf-8")
    assert EdgeSyncClient(link, tmp_path / "token", tmp_path, "c1").current() is None
    foreign = {
        "v": 1,
        "compound_id": "c9",
        "version": "x",
        "generated_at": "2026-11-23T00:00:00.000Z",
    }
    (tmp_path / "sync.json").write_text(json.dumps(foreign), "utf-8")
    assert EdgeSyncClient(link, tmp_path / "token", tmp_path, "c1").current() is None


def test_restarted_edge_matches_with_gateway_down(broker, gateway, enrolled_edge_config) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("admin", "admin")
    admin = gateway.login("admin")
    admin.post("/api/v1/watchlist", json={"value": "粤B·12345D", "reason": "布控 watched"})
    service = start_edge(enrolled_edge_config)
    try:
        wait_until(lambda: _values(service.sync) == ["粤B12345D"], message="the first sync")
    finally:
        service.stop()
    gateway.stop()

    service = start_edge(enrolled_edge_config)  # the uplink is down from the start
    raised: list[Alert] = []
    got = threading.Event()
    service.sink.add_listener(lambda a: (raised.append(a), got.set()))
    gate = SimGate("127.0.0.1", broker.port, "c1", "g1")
    gate.start()
    try:
        # Unlisted first: events are handled in order, so it was judged before the listed one.
        gate.emit(GateEventType.plate_read, plate="粤B99999D", direction="in")
        gate.emit(GateEventType.plate_read, plate="粤b12345d", direction="in")
        assert got.wait(10), "no watchlist alert while the gateway is down"
    finally:
        gate.stop()
        service.stop()
    assert len(raised) == 1
    alert = raised[0]
    assert alert.kind.value == "watchlist"
    assert alert.severity.value == "critical"
    assert alert.details["value"] == "粤B12345D"
    assert alert.details["reason"] == "布控 watched"
