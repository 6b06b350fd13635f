"""Edge failover (gateway.urls): a replica that refuses, times out or answers 503 is left for the
next URL; the alerts still arrive, exactly once, at the gateway that answers. A 4xx is the
gateway's answer, never a reason to fail over."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import REGISTRY

from anju_contracts import utcnow
from anju_contracts.common import format_ts
from anju_edge.config import EdgeConfig, GatewayLink
from anju_edge.delivery.enrol import enrol as edge_enrol
from anju_edge.delivery.enrol import read_token, write_token
from anju_edge.delivery.sync import EdgeSyncClient
from anju_edge.service import EdgeService
from anju_gateway.edges.enrolment import enrol
from tests.support.replicas import Silent, StatusReplica, StoreThenHang, dead_url
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until

ALERTS = "/api/v1/edge/alerts"


def alerts(gw: GatewayServer) -> list[str]:
    rows = gw.db.conn().execute("SELECT id FROM alerts ORDER BY id").fetchall()
    return [str(r[0]) for r in rows]


def failovers(worker: str) -> float:
    total = 0.0
    for reason in ("connect", "timeout", "network", "502", "503", "504"):
        labels = {"worker": worker, "reason": reason}
        total += REGISTRY.get_sample_value("anju_edge_gateway_failovers_total", labels) or 0.0
    return total


def link(urls: list[str], **keys: Any) -> dict[str, Any]:
    return {"urls": urls, "backoff_initial_s": 0.1, "backoff_max_s": 1.0, **keys}


@pytest.fixture
def publisher(broker) -> Iterator[mqtt.Client]:  # type: ignore[no-untyped-def]
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="failover-publisher")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    yield client
    client.disconnect()
    client.loop_stop()


def door_forced(client: mqtt.Client, seq: int) -> None:
    body = {"v": 1, "seq": seq, "ts": format_ts(utcnow()), "type": "door_forced"}
    client.publish("anju/c1/gate/g1/event", json.dumps(body), qos=1).wait_for_publish(5)


def enrolled(
    tmp_path: Path, broker_port: int, gw: GatewayServer, gateway: dict[str, Any]
) -> EdgeConfig:
    # No cooldown: the second door_forced of a test is an alert too.
    cfg = edge_config(
        tmp_path / "edge", broker_port, gw.url, gateway=gateway, gate_rules={"cooldown_s": 0}
    )
    token = enrol(gw.db, code=gw.enrol_code("c1"), hostname="t", now=utcnow()).token
    write_token(cfg.token_path(), token)
    return cfg


def delivered_once(service: EdgeService, gw: GatewayServer, publisher: mqtt.Client) -> None:
    """Two door_forced alerts, one after the other, each arrives once; the outbox empties."""
    door_forced(publisher, 1)
    wait_until(lambda: len(alerts(gw)) == 1, timeout=15, message="the first alert")
    wait_until(lambda: service.outbox.depth() == 0, timeout=5, message="the outbox emptied")
    door_forced(publisher, 2)
    wait_until(lambda: len(alerts(gw)) == 2, timeout=10, message="the second alert")
    wait_until(lambda: service.outbox.depth() == 0, timeout=5, message="the outbox emptied")
    time.sleep(0.5)  # nothing more arrives late
    assert len(alerts(gw)) == len(set(alerts(gw))) == 2


def test_a_refusing_replica_is_skipped(tmp_path: Path, broker, gateway, publisher) -> None:  # type: ignore[no-untyped-def]
    dead = dead_url()
    cfg = enrolled(tmp_path, broker.port, gateway, link([dead, gateway.url]))
    before = failovers("uplink")
    service = start_edge(cfg)
    try:
        delivered_once(service, gateway, publisher)
        # Sticky: the uplink stays on the URL that answered; the second alert did not go to
        # the dead one first.
        assert service.uplink.urls.current == gateway.url
        assert failovers("uplink") == before + 1
        # The heartbeat and the sync found the live replica too.
        wait_until(lambda: service.heartbeat.sent >= 1, timeout=10, message="a heartbeat")
        assert service.sync.synced.wait(10)
        assert service.sync.urls.current == gateway.url
    finally:
        service.stop()


def test_a_silent_replica_times_out_and_is_skipped(  # type: ignore[no-untyped-def]
    tmp_path: Path, broker, gateway, publisher
) -> None:
    silent = Silent()
    cfg = enrolled(tmp_path, broker.port, gateway, link([silent.url, gateway.url], timeout_s=1))
    service = start_edge(cfg)
    try:
        delivered_once(service, gateway, publisher)
        assert service.uplink.urls.current == gateway.url
    finally:
        service.stop()
        silent.close()


def test_a_replica_answering_503_is_skipped(tmp_path: Path, broker, gateway, publisher) -> None:  # type: ignore[no-untyped-def]
    down = StatusReplica(503)
    cfg = enrolled(tmp_path, broker.port, gateway, link([down.url, gateway.url]))
    service = start_edge(cfg)
    try:
        delivered_once(service, gateway, publisher)
        assert down.hits(ALERTS) == 1  # once, then sticky on the live one
    finally:
        service.stop()
        down.close()


def test_a_batch_whose_upload_timed_out_is_not_duplicated(  # type: ignore[no-untyped-def]
    tmp_path: Path, broker, gateway, publisher
) -> None:
    # The first replica stores the batch and never answers: the box cannot know it arrived,
    # sends the same batch to the next URL, and that one answers 'duplicate' for it.
    hang = StoreThenHang(gateway.url)
    cfg = enrolled(tmp_path, broker.port, gateway, link([hang.url, gateway.url], timeout_s=1))
    duplicates = {"outcome": "duplicate"}
    before = REGISTRY.get_sample_value("anju_gateway_alerts_ingested_total", duplicates) or 0.0
    service = start_edge(cfg)
    try:
        door_forced(publisher, 1)
        wait_until(lambda: hang.forwarded == 1, timeout=10, message="the batch stored")
        wait_until(lambda: service.outbox.depth() == 0, timeout=10, message="the outbox emptied")
        assert len(alerts(gateway)) == 1
        after = REGISTRY.get_sample_value("anju_gateway_alerts_ingested_total", duplicates)
        assert after == before + 1  # the retry was answered as a duplicate
        assert service.uplink.urls.current == gateway.url
    finally:
        service.stop()
        hang.close()


def test_a_4xx_is_not_a_reason_to_fail_over(tmp_path: Path, broker, gateway, publisher) -> None:  # type: ignore[no-untyped-def]
    refusing = StatusReplica(401)  # e.g. a token revoked at the gateway
    cfg = enrolled(tmp_path, broker.port, gateway, link([refusing.url, gateway.url]))
    before = failovers("uplink")
    service = start_edge(cfg)
    try:
        door_forced(publisher, 1)
        wait_until(lambda: refusing.hits(ALERTS) >= 2, timeout=10, message="two refused uploads")
        assert alerts(gateway) == []
        assert service.outbox.depth() == 1  # kept, not lost
        assert service.uplink.urls.current == refusing.url
        assert failovers("uplink") == before
    finally:
        service.stop()
        refusing.close()


def test_sync_fails_over(tmp_path: Path, gateway) -> None:  # type: ignore[no-untyped-def]
    down, silent = StatusReplica(503), Silent()
    token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token
    write_token(tmp_path / "token", token)
    urls = [dead_url(), silent.url, down.url, gateway.url]
    links = GatewayLink(**link(urls, timeout_s=1))
    client = EdgeSyncClient(links, tmp_path / "token", tmp_path, "c1")
    client.start()
    try:
        # The first poll is not a long-poll: the silent replica is left after timeout_s.
        assert client.synced.wait(10)
        assert client.urls.current == gateway.url
        assert client.backoff.failures == 0  # one round, no backoff sat out
        assert down.hits("/api/v1/edge/sync") == 1
    finally:
        client.stop()
        down.close()
        silent.close()


def test_enrol_uses_the_first_replica_that_answers(tmp_path: Path, gateway) -> None:  # type: ignore[no-untyped-def]
    silent = Silent()
    try:
        urls = [dead_url(), silent.url, gateway.url]
        resp = edge_enrol(urls, gateway.enrol_code("c1"), tmp_path / "token", timeout=1)
        assert resp.compound_id == "c1"
        assert read_token(tmp_path / "token") == resp.token
    finally:
        silent.close()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "anju", "edge", *args], capture_output=True, text=True, timeout=60
    )


def test_enrol_cli_takes_the_replicas(tmp_path: Path, gateway) -> None:  # type: ignore[no-untyped-def]
    token = tmp_path / "token"
    given = ["--gateway", dead_url(), "--gateway", gateway.url]
    ok = run_cli("enrol", *given, "--code", gateway.enrol_code("c1"), "--token-file", str(token))
    assert ok.returncode == 0, ok.stderr
    assert "for compound c1" in ok.stdout and read_token(token)
    # Without --gateway: the config's urls.
    config = tmp_path / "edge.yaml"
    data = {
        "compound_id": "c1",
        "data_dir": str(tmp_path / "data"),
        "gateway": link([dead_url(), gateway.url]),
    }
    config.write_text(yaml.safe_dump(data), "utf-8")
    ok = run_cli("enrol", "--config", str(config), "--code", gateway.enrol_code("c1"))
    assert ok.returncode == 0, ok.stderr
    assert read_token(tmp_path / "data" / "token")
    # Nothing answers: the error names every URL tried.
    dead = [dead_url(), dead_url()]
    given = ["--gateway", dead[0], "--gateway", dead[1]]
    failed = run_cli(
        "enrol", *given, "--code", "ABCD-EFGH-JKLM", "--token-file", str(tmp_path / "t")
    )
    assert failed.returncode == 1
    assert dead[0] in failed.stderr and dead[1] in failed.stderr


def test_enrol_cli_refuses_a_mistyped_code_before_any_request(tmp_path: Path) -> None:
    dead = dead_url()
    for code in ("bad", "A" * 65):
        out = run_cli(
            "enrol", "--gateway", dead, "--code", code, "--token-file", str(tmp_path / "t")
        )
        assert out.returncode == 2, out.stderr
        assert out.stderr.startswith("--code: ") and "ABCD-EFGH-JKLM" in out.stderr
        assert "Traceback" not in out.stderr and dead not in out.stderr
