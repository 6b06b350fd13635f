"""The outbox: durable across reopen, bounded by its quota (lowest severity and oldest shed
first, and counted), safe under concurrent writers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import REGISTRY
from ulid import ULID

from anju_contracts import Alert, Severity
from anju_edge.delivery.outbox import Outbox

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def alert(severity: Severity, minute: int, pad: int = 0) -> Alert:
    return Alert(
        id=str(ULID.from_datetime(T0 + timedelta(minutes=minute))),
        compound_id="c1",
        source_kind="gate",
        source_id="g1",
        kind="tamper",
        severity=severity,
        ts=T0 + timedelta(minutes=minute),
        details={"pad": "x" * pad} if pad else {},
    )


def shed(severity: str) -> float:
    return REGISTRY.get_sample_value("anju_edge_outbox_shed_total", {"severity": severity}) or 0


def test_survives_reopen(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", 10 << 20)
    a = alert(Severity.high, 1)
    box.put(a)
    box.close()
    again = Outbox(tmp_path / "o.db", 10 << 20)
    [queued] = again.batch(10)
    assert Alert.model_validate_json(queued.payload) == a


def test_quota_sheds_lowest_severity_oldest_first(tmp_path: Path) -> None:
    # Each alert is about 1.2 KB; the quota holds about five.
    box = Outbox(tmp_path / "o.db", 1024 * 1024)
    box.max_bytes = 6_500
    before = {s: shed(s) for s in ("low", "normal", "critical")}
    low_old, low_new = alert(Severity.low, 1, 1000), alert(Severity.low, 2, 1000)
    normal, crit1, crit2 = (
        alert(Severity.normal, 3, 1000),
        alert(Severity.critical, 4, 1000),
        alert(Severity.critical, 5, 1000),
    )
    for a in (low_old, low_new, normal, crit1, crit2):
        assert box.put(a) == []
    assert box.put(alert(Severity.high, 6, 1000)) == [low_old.id]
    assert box.put(alert(Severity.high, 7, 1000)) == [low_new.id]
    assert box.put(alert(Severity.critical, 8, 1000)) == [normal.id]
    kept = {Alert.model_validate_json(q.payload).severity for q in box.batch(100)}
    assert kept == {Severity.critical, Severity.high}
    assert box.shed_total() == 3
    assert shed("low") - before["low"] == 2 and shed("normal") - before["normal"] == 1
    # Highest severity goes out first.
    assert Alert.model_validate_json(box.batch(1)[0].payload).severity is Severity.critical


def test_concurrent_writers_and_acks(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", 100 << 20)
    acked: list[str] = []
    done = threading.Event()

    def writer(offset: int) -> None:
        for i in range(100):
            box.put(alert(Severity.high, offset * 1000 + i))

    def acker() -> None:
        while not done.is_set() or box.depth():
            batch = box.batch(20)
            box.ack([q.id for q in batch])
            acked.extend(q.id for q in batch)

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    ack_thread = threading.Thread(target=acker)
    ack_thread.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    done.set()
    ack_thread.join(30)
    assert box.depth() == 0
    assert len(acked) == len(set(acked)) == 400
