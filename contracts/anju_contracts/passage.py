"""Vehicle passage records (智能卡口): a plate read at a gate, sent by the edge only while its
compound's passage upload is switched on at the gateway (``EdgeSync.passage_upload``).

A record carries the plate, the time, the gate and the direction — never an image and never a
person's card number: the model refuses any other field. docs/precinct-link.md, "Vehicle
passage records".
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from anju_contracts.alert import AlertId
from anju_contracts.common import Ident, UtcTime, Versioned, WireModel
from anju_contracts.gate import Direction
from anju_contracts.gbcode import GbCode


class PassageRecord(WireModel):
    id: AlertId = Field(description="ULID of the box's clock; the gateway keeps each id once.")
    compound_id: Ident
    gate_id: Ident
    ts: UtcTime = Field(description="When the plate was read (the box's time if the gate's "
                        "clock was out of range).")  # fmt: skip
    plate: Annotated[str, Field(min_length=1, max_length=15)] = Field(
        description="Normalised plate (see the plates module)."
    )
    direction: Direction | None = None
    gb_code: GbCode | None = Field(default=None, description="The gate's device code, if set.")


class PassageBatch(Versioned):
    passages: list[PassageRecord] = Field(min_length=1, max_length=500)


__all__ = ["PassageBatch", "PassageRecord"]
