"""Who may see what: the one place where scoping by precinct and compound is decided."""

from __future__ import annotations

from dataclasses import dataclass

from anju_gateway.store.compounds import compound_ids_in_precinct
from anju_gateway.store.db import Conn
from anju_gateway.store.users import Role, User


@dataclass(frozen=True, slots=True)
class Scope:
    """compound_ids None means every compound (admin, city-wide supervisor)."""

    compound_ids: tuple[str, ...] | None
    sees_alerts: bool

    def allows(self, compound_id: str) -> bool:
        return self.sees_alerts and (self.compound_ids is None or compound_id in self.compound_ids)


def scope_for(conn: Conn, user: User) -> Scope:
    if user.role is Role.installer:
        return Scope(compound_ids=(), sees_alerts=False)
    if user.role is Role.property_manager:
        return Scope(compound_ids=(user.compound_id,) if user.compound_id else (), sees_alerts=True)
    if user.role is Role.admin or (user.role is Role.supervisor and user.precinct_id is None):
        return Scope(compound_ids=None, sees_alerts=True)
    compounds = compound_ids_in_precinct(conn, precinct_id=user.precinct_id or "")
    return Scope(compound_ids=compounds, sees_alerts=True)
