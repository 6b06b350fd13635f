"""Data a box lost, made visible: a heartbeat whose `shed_total` (alerts the disk quota threw
away) or `dead_letters_total` (messages set aside after failing processing) grew since the box's
previous heartbeat raises one `data_loss` alert per counter, saying which counter and how many
more.

The counters are totals the box keeps on disk. A first heartbeat counts from zero (what a box
lost before the gateway heard of it is lost all the same); a total lower than before means the
box's data was reset, and counts from zero again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ulid import ULID

from anju_contracts import AlertKind, Heartbeat, format_ts
from anju_gateway.store.alerts import NewAlert

COUNTERS = ("shed_total", "dead_letters_total")


@dataclass(frozen=True, slots=True)
class Loss:
    counter: str  # "shed_total" or "dead_letters_total"
    increase: int
    total: int


def losses(previous: dict[str, Any] | None, beat: Heartbeat) -> list[Loss]:
    """What grew between the previous heartbeat (as stored, or None) and this one."""
    out = []
    for counter in COUNTERS:
        total: int = getattr(beat, counter)
        before = previous.get(counter, 0) if previous else 0
        if not isinstance(before, int) or before > total:
            before = 0  # reset on the box (or a beat stored before the counter existed)
        if total > before:
            out.append(Loss(counter, total - before, total))
    return out


def data_loss_alert(edge_id: str, compound_id: str, loss: Loss, now: datetime) -> NewAlert:
    return NewAlert(
        id=str(ULID.from_datetime(now)),
        compound_id=compound_id,
        edge_id=edge_id,
        source_kind="edge",
        source_id=edge_id[:63],
        kind=AlertKind.data_loss.value,
        severity="high",
        ts=format_ts(now),
        zone=None,
        objects=[],
        details={"counter": loss.counter, "increase": loss.increase, "total": loss.total},
        snapshot=None,
    )


__all__ = ["COUNTERS", "Loss", "data_loss_alert", "losses"]
