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
PAD = 20_000  # bytes of padding: an alert the size of one with a thumbnail


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
    # The quota counts the database's pages in use: it is set to what five ~20 KB alerts take,
    # so each further alert sheds one.
    box = Outbox(tmp_path / "o.db", 1 << 30)
    before = {s: shed(s) for s in ("low", "normal", "critical")}
    low_old, low_new = alert(Severity.low, 1, PAD), alert(Severity.low, 2, PAD)
    normal, crit1, crit2 = (
        alert(Severity.normal, 3, PAD),
        alert(Severity.critical, 4, PAD),
        alert(Severity.critical, 5, PAD),
    )
    for a in (low_old, low_new, normal, crit1, crit2):
        assert box.put(a) == []
    box.max_bytes = box.used_bytes() + 2048
    assert box.put(alert(Severity.high, 6, PAD)) == [low_old.id]
    assert box.put(alert(Severity.high, 7, PAD)) == [low_new.id]
    assert box.put(alert(Severity.critical, 8, PAD)) == [normal.id]
    assert box.used_bytes() <= box.max_bytes
    kept = {Alert.model_validate_json(q.payload).severity for q in box.batch(100)}
    assert kept == {Severity.critical, Severity.high}
    assert box.depth() == 5
    assert box.shed_total() == 3
    assert shed("low") - before["low"] == 2 and shed("normal") - before["normal"] == 1
    # Highest severity goes out first.
    assert Alert.model_validate_json(box.batch(1)[0].payload).severity is Severity.critical


def test_the_quota_is_disk_use_not_payload_bytes(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", 1 << 30)
    empty = box.used_bytes()
    for i in range(20):
        box.put(alert(Severity.high, i, PAD))
    payload = sum(len(q.payload) for q in box.batch(100))
    # Pages hold more than the JSON: the quota sees that.
    assert box.used_bytes() - empty > payload
    # Shrinking the quota to half of today's use sheds until the pages in use fit.
    box.max_bytes = empty + (box.used_bytes() - empty) // 2
    box.put(alert(Severity.critical, 100, PAD))
    assert box.used_bytes() <= box.max_bytes
    assert 8 <= box.depth() <= 11


def test_depth_is_a_running_total_that_survives_reopen(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", 1 << 30)
    alerts = [alert(Severity.high, i) for i in range(10)]
    for a in alerts:
        box.put(a)
    box.put(alerts[0])  # the same alert again: ignored, not counted twice
    box.ack([alerts[1].id, alerts[2].id, "01ZZZZZZZZZZZZZZZZZZZZZZZZ"])  # one unknown id
    box.dead_letter(alerts[3].id, "refused")
    assert box.depth() == 7
    box.close()
    again = Outbox(tmp_path / "o.db", 1 << 30)
    assert again.depth() == 7 == len(again.batch(100))


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
