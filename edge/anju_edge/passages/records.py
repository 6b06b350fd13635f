"""A plate read at a gate as a passage record: plate, time, gate, direction and the gate's
device code — nothing else of the event (no image, no card number)."""

from __future__ import annotations

from ulid import ULID

from anju_contracts import GateEvent, GateEventType, PassageRecord
from anju_contracts.plates import try_normalise_plate


def passage_of(
    compound_id: str, gate_id: str, event: GateEvent, gb_code: str | None
) -> PassageRecord | None:
    """A plate read as a passage record; any other event: None."""
    plate = try_normalise_plate(event.plate)
    if event.type is not GateEventType.plate_read or plate is None:
        return None
    return PassageRecord(
        id=str(ULID()), compound_id=compound_id, gate_id=gate_id, ts=event.ts,
        plate=plate, direction=event.direction, gb_code=gb_code,
    )  # fmt: skip
