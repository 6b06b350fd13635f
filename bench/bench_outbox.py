"""Outbox: the cost of committing one alert does not grow with the backlog (100 k and 1 M
queued against an empty outbox), nor at the quota, where every put sheds.

Each put is measured in CPU time of the calling thread (`time.thread_time`: stable on a shared
machine, and without the fsync wait, which the disk decides); rounds alternate between an empty
outbox and the one with the backlog, and the ratio is the median of the rounds. The wall-clock
median is printed beside it. The backlog is filled through the outbox's own insert, 50 k rows
a transaction, and each size is measured after untimed puts (they checkpoint the fill's WAL).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ulid import ULID

from bench.stats import percentile, report

SIZES = (100_000, 1_000_000)
PUTS = 60  # per round
ROUNDS = 7  # alternating: an empty outbox, then the one with the backlog
FILL_CHUNK = 50_000
T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _alert(i: int, severity: str = "normal"):  # type: ignore[no-untyped-def]
    from anju_contracts import Alert

    return Alert(
        id=str(ULID.from_datetime(T0 + timedelta(milliseconds=i))),
        compound_id="c1",
        source_kind="gate",
        source_id="north-gate",
        kind="door_held_open",
        severity=severity,
        ts=T0 + timedelta(milliseconds=i),
        details={"event_type": "door_held_open", "held_seconds": 45},
    )


def _fill(box, start: int, n: int) -> None:  # type: ignore[no-untyped-def]
    done = 0
    while done < n:
        chunk = min(FILL_CHUNK, n - done)
        with box.write() as conn:
            for i in range(start + done, start + done + chunk):
                box._insert(conn, _alert(i, "low"))
        done += chunk


class Ids:
    def __init__(self) -> None:
        self.next = 10_000_000

    def take(self, n: int) -> range:
        self.next += n
        return range(self.next - n, self.next)


def _puts(box, ids: range) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """CPU and wall milliseconds of each put."""
    cpu: list[float] = []
    wall: list[float] = []
    for i in ids:
        alert = _alert(i, "high")
        c0, w0 = time.thread_time(), time.perf_counter()
        box.put(alert)
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return cpu, wall


def _compare(empty, big, ids: Ids, label: str) -> float:  # type: ignore[no-untyped-def]
    """Median over ROUNDS of (median put CPU with the backlog / on the empty outbox)."""
    ratios: list[float] = []
    walls: list[float] = []
    for _ in range(ROUNDS):
        base_ids = ids.take(PUTS)
        base, _ = _puts(empty, base_ids)
        empty.ack([str(ULID.from_datetime(T0 + timedelta(milliseconds=i))) for i in base_ids])
        cpu, wall = _puts(big, ids.take(PUTS))
        ratios.append(percentile(cpu, 50) / percentile(base, 50))
        walls.append(percentile(wall, 50))
    print(
        f"  {label} ({big.depth():,}, {big.used_bytes() / 2**20:.1f} MiB): put "
        f"CPU / empty outbox, rounds {min(ratios):.2f}-{max(ratios):.2f}; wall median "
        f"{percentile(walls, 50):.3f} ms"
    )
    return percentile(ratios, 50)


def run() -> bool:
    from anju_edge.delivery.outbox import Outbox

    ok = True
    ids = Ids()
    with tempfile.TemporaryDirectory(dir=os.environ.get("ANJU_BENCH_DIR", "/var/tmp")) as tmp:
        empty = Outbox(Path(tmp) / "empty.sqlite3", 1 << 40)
        big = Outbox(Path(tmp) / "outbox.sqlite3", 1 << 40)
        queued = 0
        for size in SIZES:
            _fill(big, queued, size - queued)
            queued = size
            # Untimed puts first: the fill's large WAL is checkpointed by them, once.
            _puts(big, ids.take(PUTS * 5))
            _puts(empty, ids.take(PUTS))
            ratio = _compare(empty, big, ids, f"{size:,} queued")
            ok &= report(f"outbox put CPU, {size:,} queued / empty", ratio, "x", "<= 2", ratio <= 2)
            # At the quota: every put sheds the oldest low alert.
            big.max_bytes = big.used_bytes()
            ratio = _compare(empty, big, ids, f"{size:,} queued, at the quota")
            big.max_bytes = 1 << 40
            ok &= report(
                f"outbox put CPU, {size:,} queued at the quota / empty",
                ratio,
                "x",
                "<= 2",
                ratio <= 2,
            )
        empty.close()
        big.close()
    return ok
