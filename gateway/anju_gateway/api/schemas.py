"""Request and response bodies of the HTTP API (the edge wire contracts live in anju_contracts)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Path
from pydantic import AwareDatetime, Field

from anju_contracts import AlertKind, Severity
from anju_contracts.common import Ident, Strict
from anju_gateway.alerts.routing import Handler
from anju_gateway.alerts.sla import ClockOutcome
from anju_gateway.store.alerts import StoredAlert
from anju_gateway.store.events import AlertEvent
from anju_gateway.store.users import Role
from anju_gateway.store.webhooks import DeliveryBase

# A row id in a URL: SQLite integers are signed 64-bit, so anything larger is refused as 422
# rather than overflowing in the driver.
SQLITE_INT_MAX = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=SQLITE_INT_MAX)]

# A day in a report's or chart's URL: the years a report can be about. Outside them date
# arithmetic (a window before, the same month a year earlier) would overflow, so such a day is a
# 422 at the door.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]

# One field list per shape: the API shows the stored alert, event and delivery as they are.
AlertView = StoredAlert
EventView = AlertEvent
DeliveryView = DeliveryBase


class AlertDetail(StoredAlert):
    """One alert with how each of its clocks stands or ended (kept after closing)."""

    sla: list[ClockOutcome] = Field(
        description="Police clocks (ack, close) and the property's, as the handler runs them."
    )


class RoutingRequest(Strict):
    """A precinct's routing: kinds left out return to their default."""

    routes: dict[AlertKind, Handler] = Field(
        default_factory=dict, description="Alert kind -> police, property or both."
    )
    raise_at: Severity | None = Field(
        default=Severity.critical,
        description="From this severity up a property alert goes to the police; null: never.",
    )


class RoutingView(Strict):
    precinct_id: str
    routes: dict[str, Handler] = Field(description="Every alert kind and its handler in force.")
    overrides: dict[str, Handler] = Field(description="The kinds this precinct routes itself.")
    defaults: dict[str, Handler]
    raise_at: Severity | None
    updated_at: str | None
    updated_by: str | None


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserView(Strict):
    username: str
    display_name: str
    role: str
    precinct_id: str | None
    compound_id: str | None


Username = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")]
Password = Annotated[str, Field(min_length=8, max_length=256)]


class AccountView(UserView):
    created_at: str
    disabled: bool


class AccountCreate(Strict):
    username: Username = Field(description="Login name: lower-case letters, digits, . _ -")
    display_name: str = Field(default="", max_length=40)
    role: Role
    password: Password
    precinct_id: Ident | None = None
    compound_id: Ident | None = None


class PasswordReset(Strict):
    password: Password


class AccountEnabled(Strict):
    enabled: bool


class PrecinctView(Strict):
    id: str
    name: str


class PrecinctRename(Strict):
    name: str = Field(min_length=1, max_length=100)


class LoginResponse(Strict):
    token: str
    expires_at: str
    user: UserView


class AlertList(Strict):
    alerts: list[AlertView]
    next_before: str | None = Field(
        default=None, description="Pass as before= to fetch the next (older) page."
    )


class EnrolCodeRequest(Strict):
    compound_id: Ident
    ttl_minutes: int | None = Field(default=None, ge=1, le=30 * 24 * 60)


class EnrolCodeResponse(Strict):
    code: str
    compound_id: str
    expires_at: str


class CompoundRequest(Strict):
    id: Ident
    name: str = Field(default="", max_length=100)
    precinct_id: Ident


class CompoundView(Strict):
    id: str
    name: str
    precinct_id: str


# --- watchlists, precinct webhooks (issue 5b) ---


class WatchlistCreate(Strict):
    kind: str = Field(default="plate", pattern=r"^(plate|credential)$")
    value: str = Field(min_length=1, max_length=64, description="Plate as typed, e.g. 赣A·D12345")
    reason: str = Field(min_length=1, max_length=200)
    expires_at: AwareDatetime | None = Field(default=None, description="ISO-8601 with offset")
    precinct_id: Ident | None = Field(
        default=None, description="Omit: your precinct (officers) or global (admin)."
    )


class WatchlistView(Strict):
    id: int
    kind: str
    value: str
    display: str
    reason: str
    precinct_id: str | None
    expires_at: str | None
    created_by: str
    created_by_name: str = Field(description="The display name of who added it.")
    created_at: str


class WatchlistAuditView(Strict):
    action: str
    actor: str
    actor_name: str
    at: str
    detail: dict[str, Any]


class WebhookRequest(Strict):
    url: str = Field(min_length=8, max_length=500, pattern=r"^https?://")
    secret: str = Field(min_length=16, max_length=200)
    enabled: bool = True


class WebhookView(Strict):
    precinct_id: str
    url: str
    enabled: bool
    updated_at: str
    updated_by: str
