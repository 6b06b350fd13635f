"""Gate controller payloads: events published by gates and commands sent to them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from anju_contracts.common import UtcTime, Versioned


class GateEventType(StrEnum):
    card_swipe = "card_swipe"
    face_access = "face_access"
    plate_read = "plate_read"
    door_forced = "door_forced"
    door_held_open = "door_held_open"
    tamper = "tamper"
    exit_button = "exit_button"
    intercom_call = "intercom_call"
    # The gate's answer to a GateCommand: it carries the command_id it obeyed.
    remote_open = "remote_open"


class Direction(StrEnum):
    in_ = "in"
    out = "out"


class GateResult(StrEnum):
    granted = "granted"
    denied = "denied"


Text64 = Annotated[str, Field(min_length=1, max_length=64)]

_NEEDS_CREDENTIAL = {GateEventType.card_swipe, GateEventType.face_access}


class GateEvent(Versioned):
    """One event from a gate controller on ``anju/<compound>/gate/<gate>/event``."""

    seq: int = Field(ge=0, description="Monotonic per device; restarts at 0 after a reboot.")
    ts: UtcTime = Field(description="When the gate saw it, UTC with milliseconds.")
    type: GateEventType
    direction: Direction | None = None
    result: GateResult | None = None
    credential: Text64 | None = Field(default=None, description="Card or face id.")
    plate: Annotated[str, Field(min_length=2, max_length=16)] | None = None
    plate_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    held_seconds: float | None = Field(default=None, ge=0.0, le=86_400.0)
    command_id: Text64 | None = None

    @model_validator(mode="after")
    def _fields_for_type(self) -> GateEvent:
        if self.type is GateEventType.plate_read and self.plate is None:
            raise ValueError("plate_read needs 'plate'")
        if self.type in _NEEDS_CREDENTIAL and self.credential is None:
            raise ValueError(f"{self.type.value} needs 'credential'")
        if self.type is GateEventType.remote_open and self.command_id is None:
            raise ValueError("remote_open needs 'command_id'")
        return self


class GateCommand(Versioned):
    """Sent only by the edge on ``anju/<compound>/gate/<gate>/command``."""

    command_id: Text64
    ts: UtcTime
    action: Literal["open"] = "open"
    issued_by: Text64
    reason: Annotated[str, Field(min_length=1, max_length=200)]
    open_seconds: int = Field(default=5, ge=1, le=60)
