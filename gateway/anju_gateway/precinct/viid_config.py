"""Setting a precinct's GA/T 1400 upper system, and what the API and CLI show of it: the one
place both go through. The password goes to the secrets file, never back out."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from anju_contracts import AlertKind, Strict
from anju_contracts.gbcode import GbCode
from anju_gateway.precinct.viid_secrets import secrets_for
from anju_gateway.store import Database
from anju_gateway.store import viid as store

# Every state the link keeps (precinct/viid_link.py); the console page has words for each.
LINK_STATES = (
    "registered", "unregistered", "unreachable", "refused", "keepalive_refused", "auth_failed",
    "no_password",
)  # fmt: skip


class ViidLinkRequest(Strict):
    url: str = Field(
        min_length=8, max_length=500, pattern=r"^https?://",
        description="The upper system's base URL, e.g. http://10.1.2.3:8080",
    )  # fmt: skip
    system_id: GbCode = Field(description="Our 20-digit system id, given by the precinct.")
    username: str = Field(min_length=1, max_length=64)
    password: str | None = Field(
        default=None, min_length=1, max_length=200,
        description="Write-only; omitted: keep the stored one.",
    )  # fmt: skip
    kinds: list[AlertKind] = Field(
        default_factory=list, description="Alert types to send; empty: police-routed alerts."
    )
    keepalive_s: float = Field(default=60.0, ge=5, le=3600)
    enabled: bool = True

    @field_validator("system_id", mode="before")
    @classmethod
    def _twenty_digits(cls, value: object) -> object:
        # The console shows the API's words: Chinese first, English after " / ".
        if not (isinstance(value, str) and len(value) == 20 and value.isdigit()):
            raise ValueError("本系统编号须为 20 位数字 / our system id must be 20 digits")
        return value


class ViidLinkView(Strict):
    precinct_id: str
    url: str
    system_id: str
    username: str
    password_set: bool
    kinds: list[str]
    keepalive_s: float
    enabled: bool
    updated_at: str
    updated_by: str


class ViidDeadLetter(Strict):
    object_id: str
    alert_id: str
    resource: str
    attempts: int
    last_error: str
    created_at: str


class ViidStatusView(ViidLinkView):
    state: str = Field(description="One of LINK_STATES.")
    registered_at: str | None
    last_keepalive_at: str | None
    clock_offset_s: float | None = Field(description="Upper system's clock minus ours.")
    last_error: str
    queue: dict[str, int] = Field(description="Objects pending, delivered and dead.")
    dead: list[ViidDeadLetter]


def set_link(
    db: Database, data_dir: Path, precinct_id: str, req: ViidLinkRequest, *, actor: str, now: str
) -> ViidLinkView:
    """Store the link (a new session starts); ValueError when no password is known."""
    secrets = secrets_for(db, data_dir)
    if req.password is None and secrets.get(precinct_id) is None:
        raise ValueError("第一次设置需要填写密码 / a password is needed the first time")
    if req.password is not None:
        secrets.put(precinct_id, req.password)
    with db.write() as conn:
        row = store.put_link(
            conn, precinct_id=precinct_id, url=req.url, system_id=req.system_id,
            username=req.username, kinds=[k.value for k in req.kinds],
            keepalive_s=req.keepalive_s, enabled=req.enabled, actor=actor, now=now,
        )  # fmt: skip
    return link_view(db, row, data_dir)


def link_view(db: Database, row: store.ViidLinkRow, data_dir: Path) -> ViidLinkView:
    fields = set(ViidLinkView.model_fields) - {"password_set"}
    return ViidLinkView(
        **row.model_dump(include=fields),
        password_set=secrets_for(db, data_dir).get(row.precinct_id) is not None,
    )


def _dead(row: store.ViidObjectRow) -> ViidDeadLetter:
    return ViidDeadLetter.model_validate(row.model_dump(include=set(ViidDeadLetter.model_fields)))


def status_view(db: Database, data_dir: Path, precinct_id: str) -> ViidStatusView | None:
    conn = db.conn()
    row = store.get_link(conn, precinct_id=precinct_id)
    if row is None:
        return None
    dead = store.list_objects(conn, precinct_id=precinct_id, status=store.DEAD, limit=50)
    return ViidStatusView(
        **link_view(db, row, data_dir).model_dump(),
        state=row.state,
        registered_at=row.registered_at,
        last_keepalive_at=row.last_keepalive_at,
        clock_offset_s=row.clock_offset_s,
        last_error=row.last_error,
        queue=store.queue_counts(conn, precinct_id=precinct_id),
        dead=[_dead(d) for d in dead],
    )
