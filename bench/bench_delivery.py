"""Delivery: gate event -> alert stored at the gateway (p50/p99 under 50 events/s), gateway
ingest throughput with batching, and how fast a backlog drains after an outage."""

from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from ulid import ULID

from bench.stats import percentile, report


def _setup(tmp: Path):  # type: ignore[no-untyped-def]
    from anju.broker import MosquittoBroker
    from anju_contracts import utcnow
    from anju_edge.delivery.enrol import write_token
    from anju_gateway.edges.enrolment import enrol
    from tests.support.servers import GatewayServer, edge_config, start_edge

    broker = MosquittoBroker(tmp / "broker")
    broker.start()
    gw = GatewayServer(tmp / "gw").start()
    gw.add_compound("c1", "p1")
    cfg = edge_config(
        tmp / "edge",
        broker.port,
        gw.url,
        gates=[{"id": "g1"}, {"id": "g2"}],
        gate_rules={"cooldown_s": 0},
    )
    write_token(
        cfg.token_path(), enrol(gw.db, code=gw.enrol_code("c1"), hostname="b", now=utcnow()).token
    )
    edge = start_edge(cfg)
    return broker, gw, edge


def latency() -> bool:
    from anju_contracts import AlertKind, Severity, SourceKind
    from anju_edge.alerts import AlertDraft, alert_id
    from tests.faults.conftest import GatePublisher

    with tempfile.TemporaryDirectory() as tmp:
        broker, gw, edge = _setup(Path(tmp))
        probe, background = GatePublisher(broker.port, "g1"), GatePublisher(broker.port, "g2")
        stop = threading.Event()

        def load() -> None:  # 50 events/s in the background
            while not stop.is_set():
                t0 = time.monotonic()
                background.publish(1)
                time.sleep(max(0.0, 0.02 - (time.monotonic() - t0)))

        threading.Thread(target=load, daemon=True).start()
        conn = gw.db.conn()
        samples: list[float] = []
        from anju_contracts import GateEvent, GateEventType, utcnow

        for seq in range(1, 201):
            now = utcnow()  # milliseconds, as the wire carries it
            now = now.replace(microsecond=now.microsecond // 1000 * 1000)
            event = GateEvent(seq=seq, ts=now, type=GateEventType.door_forced)
            expected = alert_id(
                "c1",
                AlertDraft(
                    kind=AlertKind.door_forced,
                    severity=Severity.critical,
                    source_kind=SourceKind.gate,
                    source_id="g1",
                    id_seed=f"g1|{seq}|{event.ts.isoformat()}",
                    seed_time=event.ts,
                ),
            )
            t0 = time.perf_counter()
            probe.client.publish(probe.topic, event.model_dump_json(), qos=1)
            while conn.execute("SELECT 1 FROM alerts WHERE id = ?", (expected,)).fetchone() is None:
                if time.perf_counter() - t0 > 5:
                    break
                time.sleep(0.0005)
            samples.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.05)
        stop.set()
        probe.close()
        background.close()
        edge.stop()
        gw.stop()
        broker.stop()
    ok = report(
        "gate event -> stored at gateway, p50 (50 ev/s background)",
        percentile(samples, 50),
        "ms",
        "",
        True,
    )
    ok &= report(
        "gate event -> stored at gateway, p99 (50 ev/s background)",
        percentile(samples, 99),
        "ms",
        "<= 200",
        percentile(samples, 99) <= 200,
    )
    return ok


def ingest_throughput(batches: int = 60, size: int = 100, clients: int = 2) -> bool:
    from anju_contracts import format_ts, utcnow
    from anju_gateway.edges.enrolment import enrol
    from tests.support.servers import GatewayServer

    with tempfile.TemporaryDirectory() as tmp:
        gw = GatewayServer(Path(tmp) / "gw").start()
        gw.add_compound("c1", "p1")
        token = enrol(gw.db, code=gw.enrol_code("c1"), hostname="b", now=utcnow()).token
        bodies = [
            {
                "v": 1,
                "alerts": [
                    {
                        "id": str(ULID()),
                        "compound_id": "c1",
                        "source_kind": "gate",
                        "source_id": "g1",
                        "kind": "door_forced",
                        "severity": "critical",
                        "ts": format_ts(utcnow()),
                        "details": {"seq": i * size + j},
                    }
                    for j in range(size)
                ],
            }
            for i in range(batches)
        ]
        http = [
            httpx.Client(base_url=gw.url, headers={"Authorization": f"Bearer {token}"})
            for _ in range(clients)
        ]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            codes = list(
                pool.map(
                    lambda ib: (
                        http[ib[0] % clients].post("/api/v1/edge/alerts", json=ib[1]).status_code
                    ),
                    enumerate(bodies),
                )
            )
        rate = batches * size / (time.perf_counter() - t0)
        stored = gw.db.conn().execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
        gw.stop()
    ok = all(c == 200 for c in codes) and stored == batches * size
    return report(
        f"gateway ingest, batches of {size}, {clients} clients",
        rate,
        "alerts/s",
        ">= 3000",
        ok and rate >= 3000,
    )


def drain() -> bool:
    from tests.faults.conftest import GatePublisher
    from tests.support.servers import GatewayServer, wait_until

    with tempfile.TemporaryDirectory() as tmp:
        broker, gw, edge = _setup(Path(tmp))
        port, data = gw.port, gw.settings.data_dir
        gw.stop()
        pub = GatePublisher(broker.port, "g2")
        n = 1000
        t0 = time.perf_counter()
        pub.publish(n)
        wait_until(lambda: edge.outbox.depth() >= n, timeout=60)
        arrival = n / (time.perf_counter() - t0)
        gw = GatewayServer(data, port=port).start()
        t0 = time.perf_counter()
        wait_until(lambda: edge.outbox.depth() == 0, timeout=120, interval=0.01)
        rate = n / (time.perf_counter() - t0)
        pub.close()
        edge.stop()
        gw.stop()
        broker.stop()
    report("arrival rate while the gateway was down", arrival, "alerts/s", "", True)
    report("backlog drain rate after the outage", rate, "alerts/s", "", True)
    return report("drain rate / arrival rate", rate / arrival, "x", "> 1", rate > arrival)


def run() -> bool:
    ok = latency()
    ok &= ingest_throughput()
    ok &= drain()
    return ok
