"""Issuing one-time enrolment codes and trading them for device tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from ulid import ULID

from anju_contracts import EnrolResponse, format_ts
from anju_gateway.access.security import new_enrol_code, new_token, normalise_enrol_code, token_hash
from anju_gateway.store import Database
from anju_gateway.store.compounds import get_compound
from anju_gateway.store.edges import EnrolError, create_enrol_code, redeem_enrol_code


class UnknownCompound(LookupError):
    pass


def issue_code(
    db: Database, *, compound_id: str, created_by: str, now: datetime, ttl: timedelta
) -> tuple[str, datetime]:
    """A fresh code for one compound; only its hash is stored."""
    code = new_enrol_code()
    expires = now + ttl
    with db.write() as conn:
        if get_compound(conn, compound_id=compound_id) is None:
            raise UnknownCompound(compound_id)
        create_enrol_code(
            conn,
            code_hash=token_hash(normalise_enrol_code(code)),
            compound_id=compound_id,
            created_by=created_by,
            now=format_ts(now),
            expires_at=format_ts(expires),
        )
    return code, expires


def enrol(db: Database, *, code: str, hostname: str, now: datetime) -> EnrolResponse:
    """Raises EnrolError for unknown, used or expired codes (a replay is refused)."""
    token = new_token()
    edge_id = f"edge-{ULID()!s}".lower()
    with db.write() as conn:
        edge = redeem_enrol_code(
            conn,
            code_hash=token_hash(normalise_enrol_code(code)),
            edge_id=edge_id,
            token_hash=token_hash(token),
            hostname=hostname,
            now=format_ts(now),
        )
    return EnrolResponse(compound_id=edge.compound_id, edge_id=edge.id, token=token, issued_at=now)


__all__ = ["EnrolError", "UnknownCompound", "enrol", "issue_code"]
