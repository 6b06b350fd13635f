"""AlertSink: cooldown per rule, source and key; durable before listeners hear of it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from anju_contracts import AlertKind, Severity, SourceKind
from anju_edge.alerts import AlertDraft, AlertSink
from anju_edge.delivery.outbox import Outbox


def draft(source: str = "g1", key: str = "", cooldown: float = 60.0) -> AlertDraft:
    return AlertDraft(
        kind=AlertKind.door_forced,
        severity=Severity.critical,
        source_kind=SourceKind.gate,
        source_id=source,
        dedup_key=key,
        cooldown_s=cooldown,
    )


def test_cooldown_per_source_and_key(tmp_path: Path) -> None:
    now = [0.0]
    outbox = Outbox(tmp_path / "o.sqlite3", 10 * 1024 * 1024)
    heard: list[str] = []
    sink = AlertSink("c1", outbox, on_raised=lambda a: heard.append(a.id), clock=lambda: now[0])
    first = sink.raise_alert(draft())
    assert first is not None
    assert sink.raise_alert(draft()) is None  # same gate within cooldown
    assert sink.raise_alert(draft(source="g2")) is not None
    assert sink.raise_alert(draft(key="track-7")) is not None
    now[0] = 61.0
    assert sink.raise_alert(draft()) is not None
    assert outbox.depth() == 4
    assert heard == [q.id for q in sorted(outbox.batch(10), key=lambda q: q.id)]


def test_listener_sees_only_committed_alerts(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3", 10 * 1024 * 1024)
    seen_in_db: list[bool] = []

    def listener(alert) -> None:  # type: ignore[no-untyped-def]
        # A separate connection: the alert must already be committed when we hear of it.
        conn = sqlite3.connect(tmp_path / "o.sqlite3")
        seen_in_db.append(
            conn.execute("SELECT 1 FROM outbox WHERE id = ?", (alert.id,)).fetchone() is not None
        )
        conn.close()

    sink = AlertSink("c1", outbox, on_raised=listener)
    sink.raise_alert(draft())
    assert seen_in_db == [True]


def test_failed_commit_does_not_start_the_cooldown(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3", 10 * 1024 * 1024)
    sink = AlertSink("c1", outbox)
    real_put = outbox.put
    outbox.put = lambda alert: (_ for _ in ()).throw(sqlite3.OperationalError("disk I/O error"))  # type: ignore[method-assign]
    with pytest.raises(sqlite3.OperationalError):
        sink.raise_alert(draft())
    outbox.put = real_put  # type: ignore[method-assign]
    assert sink.raise_alert(draft()) is not None
