"""Source keys: an event raises one alert however often it is delivered, and the keys are
pruned after 8 days (longer than the broker keeps the edge's session)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ulid import ULID

from anju_contracts import Alert, AlertKind, Severity, SourceKind, utcnow
from anju_edge.delivery.outbox import SOURCE_KEY_DAYS, Outbox


def alert() -> Alert:
    return Alert(
        id=str(ULID()),
        compound_id="c1",
        source_kind=SourceKind.gate,
        source_id="g1",
        kind=AlertKind.door_forced,
        severity=Severity.critical,
        ts=utcnow(),
    )


def test_a_known_source_key_is_not_raised_again(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", 10 * 1024 * 1024)
    first = alert()
    assert box.put_once(first, "door_forced|g1|7|2099-01-01T00:00:00.000Z") is None
    assert box.put_once(alert(), "door_forced|g1|7|2099-01-01T00:00:00.000Z") == first.id
    assert [q.id for q in box.batch(10)] == [first.id]
    box.ack([first.id])  # delivered: the key outlives the alert
    again = Outbox(tmp_path / "o.sqlite3", 10 * 1024 * 1024)  # after a restart
    assert again.put_once(alert(), "door_forced|g1|7|2099-01-01T00:00:00.000Z") == first.id
    assert again.depth() == 0


def test_source_keys_are_pruned_after_8_days(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", 10 * 1024 * 1024)
    box.put_once(alert(), "old")
    box.put_once(alert(), "recent")
    conn = sqlite3.connect(tmp_path / "o.sqlite3")
    with conn:
        conn.execute(
            "UPDATE source_keys SET at = ? WHERE source_key = 'old'",
            (time.time() - SOURCE_KEY_DAYS * 86_400 - 60,),
        )
        conn.execute(
            "UPDATE source_keys SET at = ? WHERE source_key = 'recent'",
            (time.time() - (SOURCE_KEY_DAYS - 1) * 86_400,),
        )
    box.close()
    box = Outbox(tmp_path / "o.sqlite3", 10 * 1024 * 1024)
    box.put_once(alert(), "new")  # the first write after a start prunes
    keys = {r[0] for r in conn.execute("SELECT source_key FROM source_keys")}
    assert keys == {"recent", "new"}
