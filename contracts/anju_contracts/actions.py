"""What the gate console does to an alert at the gate, sent by the edge to the gateway."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from anju_contracts.alert import AlertId
from anju_contracts.common import UtcTime, Versioned

ActionId = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]


class AlertActionKind(StrEnum):
    """What a guard did: acknowledged it (签收, 到场), added a note, or closed it (销号).

    On an alert the precinct routes to the property they acknowledge and close it; on a police
    alert every action is recorded as 物业到场 / 物业备注 and changes nothing of the police's.
    """

    acknowledge = "acknowledge"
    note = "note"
    close = "close"


class AlertAction(Versioned):
    """Queued durably on the edge while the uplink is down; applied once (idempotent by id)."""

    action_id: ActionId = Field(description="ULID made on the edge; the idempotency key.")
    alert_id: AlertId
    action: AlertActionKind
    actor: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="Gate-console user name."
    )
    note: Annotated[str, Field(max_length=500)] = ""
    ts: UtcTime
