"""Visitor passes: a registered visitor's plate opens the gate until the pass expires."""

from __future__ import annotations

from datetime import datetime

from anju_contracts import format_ts
from anju_contracts.plates import try_normalise_plate
from anju_edge.console.store import ConsoleStore


def valid_pass(store: ConsoleStore, plate: str | None, now: datetime) -> str | None:
    """The id of a valid pass for this plate, or None."""
    normal = try_normalise_plate(plate)
    if normal is None:
        return None
    row = (
        store.conn()
        .execute(
            "SELECT id FROM visitors WHERE plate = ? AND valid_until > ? ORDER BY valid_until DESC",
            (normal, format_ts(now)),
        )
        .fetchone()
    )
    return str(row[0]) if row else None
