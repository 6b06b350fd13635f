"""Configuration the gateway pushes to edges through ``GET /api/v1/edge/sync`` (ETag)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from anju_contracts.common import Ident, UtcTime, Versioned, WireModel
from anju_contracts.routing import RoutingPolicy


class WatchlistKind(StrEnum):
    plate = "plate"
    credential = "credential"


class WatchlistEntry(WireModel):
    kind: WatchlistKind
    value: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="Normalised plate (see the plates module) or credential id."
    )
    reason: Annotated[str, Field(max_length=200)] = ""
    expires_at: UtcTime | None = None


class StaffAccount(WireModel):
    """A compound staff login cached on the edge so the gate console works offline."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    display_name: Annotated[str, Field(max_length=64)] = ""
    password_hash: Annotated[str, Field(max_length=256)] = Field(
        description="argon2 hash, never the password itself."
    )
    role: Annotated[str, Field(pattern=r"^(property_manager|guard)$")] = "property_manager"


class EdgeSync(Versioned):
    compound_id: Ident
    version: Annotated[str, Field(max_length=64)] = Field(
        description="Content hash; also the ETag of the response."
    )
    generated_at: UtcTime
    watchlist: list[WatchlistEntry] = Field(default_factory=list)
    staff: list[StaffAccount] = Field(default_factory=list)
    routing: RoutingPolicy = Field(
        default_factory=RoutingPolicy,
        description="The precinct's routing in force and the property's clocks; a copy from "
        "before this field had none and reads as the defaults.",
    )
    passage_upload: bool = Field(
        default=False,
        description="Vehicle passage records (智能卡口) of the compound's gates go to the "
        "precinct; the gateway sends the field only when true, so older edges keep syncing.",
    )
